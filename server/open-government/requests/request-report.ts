import { GROUNDS, type DisclosureRequest, type GroundCode, type Outcome } from '../../../schemas/disclosure-request.schema.js';
import type { DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import type { ReportCell, ReportPeriod, ReportRow, ReportSectionBuilder, ReportTable, TracedRecord } from '../annual-report.types.js';

/** The national format's applicant columns (表三), in order, with 总计 last. */
export const APPLICANT_COLUMNS = ['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计'] as const;

const ORGANISATION_COLUMN = { business: 1, research: 2, public_interest: 3, legal_services: 4, other: 5 } as const;

function columnOf(request: DisclosureRequest): number {
  if (request.applicant.type === 'natural') return 0;
  return ORGANISATION_COLUMN[request.applicant.organisationKind ?? 'other'];
}

function recordOf(request: DisclosureRequest): TracedRecord {
  return { kind: 'disclosure-request', id: request.id, label: `${request.number} ${request.applicant.name}`, href: `/staff/disclosure/${request.id}` };
}

/** One row: each applicant column counts its cases, 总计 counts them all; every cell keeps its cases. */
function row(label: string, cases: readonly DisclosureRequest[]): ReportRow {
  const cells: ReportCell[] = APPLICANT_COLUMNS.map(() => ({ value: 0, records: [] }));
  for (const request of cases) {
    for (const index of [columnOf(request), APPLICANT_COLUMNS.length - 1]) {
      const cell = cells[index];
      if (!cell) continue;
      cell.value += 1;
      cell.records.push(recordOf(request));
    }
  }
  return { label, cells };
}

/** The report's sub-rows of each refusing outcome, in the national format's order and wording. */
const OUTCOME_ROWS: readonly { outcome: Outcome; label: string; grounds: readonly [GroundCode, string][] }[] = [
  { outcome: 'disclosed', label: '（一）予以公开', grounds: [] },
  { outcome: 'partly_disclosed', label: '（二）部分公开（区分处理的，只计这一情形，不计其他情形）', grounds: [] },
  {
    outcome: 'withheld',
    label: '（三）不予公开',
    grounds: [
      ['state_secret', '1.属于国家秘密'],
      ['prohibited_by_law', '2.其他法律行政法规禁止公开'],
      ['security_stability', '3.危及“三安全一稳定”'],
      ['third_party_rights', '4.保护第三方合法权益'],
      ['internal_affairs', '5.属于三类内部事务信息'],
      ['process_information', '6.属于四类过程性信息'],
      ['enforcement_files', '7.属于行政执法案卷'],
      ['administrative_query', '8.属于行政查询事项'],
    ],
  },
  {
    outcome: 'unavailable',
    label: '（四）无法提供',
    grounds: [
      ['not_held', '1.本机关不掌握相关政府信息'],
      ['needs_creation', '2.没有现成信息需要另行制作'],
      ['still_unclear', '3.补正后申请内容仍不明确'],
    ],
  },
  {
    outcome: 'not_processed',
    label: '（五）不予处理',
    grounds: [
      ['petition', '1.信访举报投诉类申请'],
      ['repeated', '2.重复申请'],
      ['publication', '3.要求提供公开出版物'],
      ['excessive', '4.无正当理由大量反复申请'],
      ['confirmation', '5.要求行政机关确认或重新出具已获取信息'],
    ],
  },
  {
    outcome: 'other',
    label: '（六）其他处理',
    grounds: [
      ['correction_lapsed', '1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请'],
      ['fee_unpaid', '2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请'],
      ['other', '3.其他'],
    ],
  },
];

/** The request tables of a year from the cases as stored; pure, so tests can feed it cases directly. */
export function buildRequestTables({ period, cases }: { period: ReportPeriod; cases: readonly DisclosureRequest[] }): ReportTable[] {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  const received = (r: DisclosureRequest) => Date.parse(r.receivedAt);
  const repliedAt = (r: DisclosureRequest) => (r.reply ? Date.parse(r.reply.at) : Number.POSITIVE_INFINITY);
  const newThisYear = cases.filter((r) => received(r) >= start && received(r) < end);
  const carriedIn = cases.filter((r) => received(r) < start && repliedAt(r) >= start);
  const handled = cases.filter((r) => received(r) < end && repliedAt(r) >= start && repliedAt(r) < end);
  const carriedOut = cases.filter((r) => received(r) < end && repliedAt(r) >= end);

  const outcomeRows = OUTCOME_ROWS.flatMap(({ outcome, label, grounds }) => {
    const withOutcome = handled.filter((r) => r.reply?.outcome === outcome);
    const sub = grounds.map(([ground, subLabel]) => row(subLabel, withOutcome.filter((r) => r.reply?.ground === ground)));
    // A ground missing from the list (withheld without one, impossible through the service) still counts under its outcome's total.
    return grounds.length === 0 ? [row(label, withOutcome)] : [row(label, withOutcome), ...sub];
  });

  return [
    {
      id: 'requests-received-handled',
      title: '三、收到和处理政府信息公开申请情况',
      columns: [...APPLICANT_COLUMNS],
      rows: [
        row('一、本年新收政府信息公开申请数量', newThisYear),
        row('二、上年结转政府信息公开申请数量', carriedIn),
        ...outcomeRows,
        row('（七）总计', handled),
        row('四、结转下年度继续办理', carriedOut),
      ],
      note: `申请人为法人或其他组织的，按申请时选择的类别计入商业企业、科研机构、社会公益组织、法律服务机构或其他。办理结果按答复日期计入年度（${Object.keys(GROUNDS).length} 项法定理由按国家格式分列）。`,
    },
  ];
}

/** The yearly report's request tables, counted from the stored cases. */
export function requestReportTables({ requests }: { requests: DisclosureRequestRepository }): ReportSectionBuilder {
  return async ({ period }) => buildRequestTables({ period, cases: await requests.listReceivedBefore(period.end) });
}
