import { expect } from 'chai';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface Variant {
  width: number;
  height: number;
  format: 'webp' | 'jpeg';
  bytes: number;
  url: string;
}
interface Image {
  id: string;
  width: number;
  height: number;
  src: string;
  variants: Variant[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

const UPLOAD_LIMIT = 6 * 1024 * 1024;

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A real decompression bomb: a 1-bit grey PNG of 20000 × 20000 white pixels, a few kilobytes on
 * disk and 400 million pixels once decoded.
 */
function pngBomb(): Buffer {
  const side = 20_000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.writeUInt8(1, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const row = Buffer.alloc(1 + side / 8, 0xff);
  row[0] = 0; // filter: none
  // Only the first rows: the decoder must refuse on the header long before it needs the rest.
  const idat = zlib.deflateSync(Buffer.concat(Array.from({ length: 64 }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

async function photoWithGps(): Promise<Buffer> {
  // Landscape pixels stored with EXIF orientation 6: a camera held upright, so the picture is portrait.
  return sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#4a7ab5', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'CameraMaker', Model: 'Model X', Copyright: 'someone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 1234/100', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 5678/100' },
    })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('graphics: uploads processed with sharp', () => {
  let t: TestPlatform;
  let drafter: string;
  let policyId: string;

  before(async () => {
    t = await startTestPlatform({ env: { UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT), IMAGE_MAX_PIXELS: '25000000' } });
    drafter = await t.user({ id: 'drafter-graphics', role: 'drafter' });
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: '浦知规〔2026〕61号' }) });
    policyId = created.body.id;
  });
  after(async () => t.close());

  async function upload({ path, data, filename, type, fields = {} }: { path: string; data: Buffer; filename: string; type: string; fields?: Record<string, string> }) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(data)], { type }), filename);
    const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${drafter}` }, body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const uploadImage = (data: Buffer, filename: string, type: string) => upload({ path: '/api/v1/media/images', data, filename, type });

  async function fetchBytes(url: string, token?: string) {
    const response = await fetch(`${t.url}${url}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), data: Buffer.from(await response.arrayBuffer()) };
  }

  it('rotates by EXIF orientation, strips EXIF with the GPS position and stores WebP and JPEG variants', async () => {
    const original = await photoWithGps();
    const before = await sharp(original).metadata();
    expect(before.orientation).to.equal(6);
    expect(before.exif?.includes(Buffer.from('CameraMaker'))).to.equal(true);

    const res = await uploadImage(original, 'site-visit.jpg', 'image/jpeg');
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const image = res.body as unknown as Image;
    expect([image.width, image.height]).to.deep.equal([1600, 2400]);
    expect(image.variants.map((v) => `${v.format}:${v.width}x${v.height}`).sort()).to.deep.equal(
      ['jpeg:1600x2400', 'jpeg:320x480', 'jpeg:960x1440', 'webp:1600x2400', 'webp:320x480', 'webp:960x1440'].sort(),
    );
    expect(image.src).to.match(/\.jpg$/);
    for (const variant of image.variants) {
      // Attached to no published package yet: the uploader previews it, the public does not see it.
      expect((await fetchBytes(variant.url)).status, variant.url).to.equal(404);
      const served = await fetchBytes(variant.url, drafter);
      expect(served.status).to.equal(200);
      expect(served.type).to.equal(variant.format === 'webp' ? 'image/webp' : 'image/jpeg');
      expect(served.cache).to.equal('private, no-store');
      expect(served.data.length).to.equal(variant.bytes);
      const meta = await sharp(served.data).metadata();
      expect(meta.format).to.equal(variant.format);
      expect([meta.width, meta.height]).to.deep.equal([variant.width, variant.height]);
      expect(meta.exif, `${variant.url} still has EXIF`).to.equal(undefined);
      expect(meta.orientation ?? 1).to.equal(1);
      expect(served.data.includes(Buffer.from('CameraMaker'))).to.equal(false);
    }
    // The same bytes again are the same image.
    const again = await uploadImage(original, 'copy.jpg', 'image/jpeg');
    expect((again.body as unknown as Image).id).to.equal(image.id);
  });

  it('accepts PNG with transparency, GIF and WebP, and never enlarges a small picture', async () => {
    const png = await sharp({ create: { width: 500, height: 300, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const gif = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0a0' } }).gif().toBuffer();
    const webp = await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#00a' } }).webp().toBuffer();
    const cases: [Buffer, string, string, number[]][] = [
      [png, 'chart.png', 'image/png', [320, 500]],
      [gif, 'icon.gif', 'image/gif', [200]],
      [webp, 'banner.webp', 'image/webp', [320, 960, 1200]],
    ];
    for (const [data, filename, type, widths] of cases) {
      const res = await uploadImage(data, filename, type);
      expect(res.status, `${filename}: ${JSON.stringify(res.body)}`).to.equal(201);
      const image = res.body as unknown as Image;
      expect([...new Set(image.variants.map((v) => v.width))].sort((a, b) => a - b), filename).to.deep.equal(widths);
    }
  });

  it('refuses a decompression bomb before decoding it', async () => {
    const bomb = pngBomb();
    expect(bomb.length).to.be.below(10_000);
    const res = await uploadImage(bomb, 'innocent.png', 'image/png');
    expect(res.status).to.equal(413);
    expect((res.body as unknown as ErrorBody).error.code).to.equal('image_too_many_pixels');
    expect((res.body as unknown as ErrorBody).error.message).to.include('20000×20000').and.include('解压炸弹');
  });

  it('refuses a text file renamed to .png, an SVG, and a file over the size limit, each with a clear error', async () => {
    const text = await uploadImage(Buffer.from('第一条　这是一段文字，不是图片。\n'.repeat(20), 'utf8'), 'chart.png', 'image/png');
    expect(text.status).to.equal(415);
    expect((text.body as unknown as ErrorBody).error).to.include({ code: 'not_an_image' });
    expect((text.body as unknown as ErrorBody).error.message).to.include('不是图片');

    const svg = await uploadImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'chart.svg', 'image/svg+xml');
    expect(svg.status).to.equal(415);
    expect((svg.body as unknown as ErrorBody).error.code).to.equal('image_format_unsupported');

    const large = await uploadImage(Buffer.alloc(UPLOAD_LIMIT + 1024, 0x41), 'huge.png', 'image/png');
    expect(large.status).to.equal(413);
    expect((large.body as unknown as ErrorBody).error.code).to.equal('upload_too_large');

    const json = await t.api({ method: 'POST', path: '/api/v1/media/images', token: drafter, body: { file: 'x' } });
    expect(json.status).to.equal(415);
    expect(json.body).to.have.nested.property('error.code', 'multipart_required');
  });

  it('attaches a graphic to the package only with alt text', async () => {
    const png = await sharp({ create: { width: 1000, height: 700, channels: 3, background: '#fff' } }).png().toBuffer();
    const noAlt = await upload({ path: `/api/v1/policies/${policyId}/interpretation/graphics`, data: png, filename: 'a.png', type: 'image/png', fields: { revision: '0' } });
    expect(noAlt.status).to.equal(400);
    expect(JSON.stringify(noAlt.body)).to.include('alt');
    const attached = await upload({
      path: `/api/v1/policies/${policyId}/interpretation/graphics`,
      data: png,
      filename: 'a.png',
      type: 'image/png',
      fields: { revision: '0', alt: '贴息申报流程图：在线申报、审核、公示、拨付四个步骤', caption: '申报流程' },
    });
    expect(attached.status, JSON.stringify(attached.body)).to.equal(201);
    const graphics = attached.body.graphics as { alt: string; caption: string; image: Image }[];
    expect(graphics).to.have.length(1);
    expect(graphics[0]?.alt).to.include('流程图');
    expect(graphics[0]?.image.variants.map((v) => v.width)).to.include.members([320, 960, 1000]);
  });
});
