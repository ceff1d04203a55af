import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { buildPdf, gbk, invalidByteOnLine7, PLAIN_POLICY, sampleDocx, savedWebPage, scannedPdf, zipBombDocx } from '../support/ingest-fixtures.js';

const MAX_BYTES = 512 * 1024;

describe('POST /api/v1/policy-documents (read a file, write nothing)', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;

  before(async () => {
    t = await startTestPlatform({ env: { INGEST_MAX_BYTES: String(MAX_BYTES) } });
    drafter = await t.user({ id: 'drafter-docs', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-docs', role: 'reviewer' });
  });
  after(async () => t.close());

  async function upload({ bytes, filename, token = drafter }: { bytes: Uint8Array; filename: string; token?: string | null }) {
    const form = new FormData();
    form.append('file', new Blob([bytes]), filename);
    const response = await fetch(`${t.url}/api/v1/policy-documents`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const policyCount = async () => (await t.platform.services.store.policies.list({ limit: 1, offset: 0 })).total;

  it('returns the extraction, the preparation and the proposed fields of a Word file', async () => {
    const response = await upload({ bytes: sampleDocx(), filename: '措施.docx' });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body).to.include({ filename: '措施.docx', format: 'docx', encoding: 'utf-8', title: '关于促进专利转化运用的若干措施' });
    expect(response.body.text).to.include('（一）支持高校专利许可');
    expect(response.body.blocks).to.deep.include({ kind: 'heading', level: 1, text: '总体要求' });
    expect(response.body).to.have.nested.property('prepared.repairs').that.is.an('array');
    expect(response.body).to.have.nested.property('prepared.suspects').that.is.an('array');
    expect(response.body).to.have.nested.property('proposal.title', '关于促进专利转化运用的若干措施');
    expect(await policyCount()).to.equal(0);
  });

  it('reads a GBK page and a text PDF', async () => {
    const page = await upload({ bytes: gbk(savedWebPage({ charset: 'gb2312' })), filename: '通知.html' });
    expect(page.status).to.equal(200);
    expect(page.body).to.include({ format: 'html', encoding: 'gb18030' });
    expect(page.body.text).to.not.include('分享到');
    const pdf = await upload({ bytes: await buildPdf({ pages: [['第一条　为促进专利转化运用，制定本办法。']] }), filename: '办法.pdf' });
    expect(pdf.status).to.equal(200);
    expect(pdf.body.text).to.include('为促进专利转化运用');
  });

  it('lets a client create the draft from the proposal with the ordinary create route', async () => {
    const preview = await upload({ bytes: gbk(PLAIN_POLICY), filename: '办法.txt' });
    const proposal = preview.body.proposal as { title: string; body: string };
    const created = await t.api<{ id: string; body: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: { title: proposal.title, issuer: '上海市知识产权局', body: proposal.body } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.body).to.include('第一条　为促进专利转化运用，制定本办法。');
  });

  it('refuses bad input with a 4xx, a code and a Chinese message, and stays up', async () => {
    const before = await policyCount();
    const cases: { bytes: Uint8Array; filename: string; status: number; code: string }[] = [
      { bytes: invalidByteOnLine7(), filename: '坏字节.txt', status: 400, code: 'encoding_undecodable' },
      { bytes: sampleDocx(), filename: '改名.pdf', status: 415, code: 'format_mismatch' },
      { bytes: Buffer.from('x'), filename: '旧版.doc', status: 415, code: 'format_unsupported' },
      { bytes: await scannedPdf(), filename: '扫描件.pdf', status: 400, code: 'pdf_no_text_layer' },
      { bytes: zipBombDocx({ bytes: 40 * 1024 * 1024 }), filename: '炸弹.docx', status: 413, code: 'archive_too_large' },
      { bytes: Buffer.alloc(MAX_BYTES + 1, 0x41), filename: '过大.txt', status: 413, code: 'upload_too_large' },
      { bytes: Buffer.from('{"id":"a"}\n'), filename: '批量.jsonl', status: 415, code: 'format_not_document' },
    ];
    for (const c of cases) {
      const response = await upload({ bytes: c.bytes, filename: c.filename });
      expect(response.status, `${c.filename} ${JSON.stringify(response.body)}`).to.equal(c.status);
      expect(response.body, c.filename).to.have.nested.property('error.code', c.code);
      expect(String((response.body.error as { message: string }).message), c.filename).to.match(/[\u4e00-\u9fff]/);
    }
    const line7 = await upload({ bytes: invalidByteOnLine7(), filename: '坏字节.txt' });
    expect(line7.body).to.have.nested.property('error.message').that.includes('第 7 行');
    expect(await policyCount()).to.equal(before);
    expect((await upload({ bytes: sampleDocx(), filename: '措施.docx' })).status).to.equal(200);
  });

  it('is for drafters: a reviewer is refused, an anonymous caller asked to sign in, JSON refused', async () => {
    expect((await upload({ bytes: sampleDocx(), filename: 'a.docx', token: reviewer })).status).to.equal(403);
    expect((await upload({ bytes: sampleDocx(), filename: 'a.docx', token: null })).status).to.equal(401);
    const json = await t.api({ method: 'POST', path: '/api/v1/policy-documents', token: drafter, body: { file: 'x' } });
    expect(json.status).to.equal(415);
    expect(json.body).to.have.nested.property('error.code', 'multipart_required');
    const empty = new FormData();
    empty.append('note', 'x');
    const missing = await fetch(`${t.url}/api/v1/policy-documents`, { method: 'POST', headers: { authorization: `Bearer ${drafter}` }, body: empty });
    expect(missing.status).to.equal(400);
  });
});
