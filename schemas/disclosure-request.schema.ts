import { z } from 'zod';
import { isoDateSchema, isoDateTimeSchema } from './common.schema.js';
import { deadlineViewSchema } from './calendar.schema.js';

/** 申请人类型 as the form asks it (条例 第二十七条: 公民、法人或者其他组织). */
export const APPLICANT_TYPE_LABELS = { natural: '自然人', organisation: '法人或其他组织' } as const;
export const applicantTypeSchema = z.enum(['natural', 'organisation']);
export type ApplicantType = z.infer<typeof applicantTypeSchema>;

/** The yearly report's columns for legal persons and other organisations. */
export const ORGANISATION_KIND_LABELS = {
  business: '商业企业',
  research: '科研机构',
  public_interest: '社会公益组织',
  legal_services: '法律服务机构',
  other: '其他',
} as const;
export const organisationKindSchema = z.enum(['business', 'research', 'public_interest', 'legal_services', 'other']);
export type OrganisationKind = z.infer<typeof organisationKindSchema>;

export const ID_DOCUMENT_LABELS = {
  resident_id: '居民身份证',
  passport: '护照',
  hk_macao_permit: '港澳居民来往内地通行证',
  taiwan_permit: '台湾居民来往大陆通行证',
  credit_code: '统一社会信用代码',
  other: '其他证件',
} as const;
export const idDocumentTypeSchema = z.enum(['resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'credit_code', 'other']);

export const DELIVERY_FORM_LABELS = { paper: '纸质', email: '电子邮件', other: '其他' } as const;
export const deliveryFormSchema = z.enum(['paper', 'email', 'other']);

/**
 * The statutory outcomes of a reply (条例 第三十六条、第三十七条) and, for each, the grounds the
 * national yearly report counts separately. A refusal of any kind names one of them.
 */
export const OUTCOME_LABELS = {
  disclosed: '予以公开',
  partly_disclosed: '部分公开',
  withheld: '不予公开',
  unavailable: '无法提供',
  not_processed: '不予处理',
  other: '其他处理',
} as const;
export const outcomeSchema = z.enum(['disclosed', 'partly_disclosed', 'withheld', 'unavailable', 'not_processed', 'other']);
export type Outcome = z.infer<typeof outcomeSchema>;

export const GROUNDS = {
  state_secret: { outcome: 'withheld', label: '属于国家秘密（第十四条）' },
  prohibited_by_law: { outcome: 'withheld', label: '其他法律行政法规禁止公开（第十四条）' },
  security_stability: { outcome: 'withheld', label: '危及“三安全一稳定”（第十四条）' },
  third_party_rights: { outcome: 'withheld', label: '保护第三方合法权益：商业秘密、个人隐私（第十五条）' },
  internal_affairs: { outcome: 'withheld', label: '属于三类内部事务信息（第十六条第一款）' },
  process_information: { outcome: 'withheld', label: '属于四类过程性信息（第十六条第二款）' },
  enforcement_files: { outcome: 'withheld', label: '属于行政执法案卷（第十六条第二款）' },
  administrative_query: { outcome: 'withheld', label: '属于行政查询事项（第三十六条第七项）' },
  not_held: { outcome: 'unavailable', label: '本机关不掌握相关政府信息（第三十六条第四项、第五项）' },
  needs_creation: { outcome: 'unavailable', label: '没有现成信息需要另行制作（第三十八条）' },
  still_unclear: { outcome: 'unavailable', label: '补正后申请内容仍不明确（第三十条）' },
  petition: { outcome: 'not_processed', label: '信访举报投诉类申请（第三十九条）' },
  repeated: { outcome: 'not_processed', label: '重复申请（第三十六条第六项）' },
  publication: { outcome: 'not_processed', label: '要求提供公开出版物（第三十九条）' },
  excessive: { outcome: 'not_processed', label: '无正当理由大量反复申请（第三十五条）' },
  confirmation: { outcome: 'not_processed', label: '要求行政机关确认或重新出具已获取信息（第三十九条）' },
  correction_lapsed: { outcome: 'other', label: '申请人无正当理由逾期不补正，不再处理（第三十条）' },
  fee_unpaid: { outcome: 'other', label: '申请人逾期未缴纳费用，不再处理（第四十二条）' },
  other: { outcome: 'other', label: '其他' },
} as const satisfies Record<string, { outcome: Outcome; label: string }>;
export type GroundCode = keyof typeof GROUNDS;
export const groundSchema = z.enum(Object.keys(GROUNDS) as [GroundCode, ...GroundCode[]]);

/** Outcomes that refuse all or part of the request: they need a legal ground. */
export const OUTCOMES_WITH_GROUND: readonly Outcome[] = ['partly_disclosed', 'withheld', 'unavailable', 'not_processed', 'other'];

export const REQUEST_STATUS_LABELS = {
  processing: '办理中',
  awaiting_correction: '待申请人补正（计时暂停）',
  consulting: '征求第三方意见（计时暂停）',
  replied: '已答复',
} as const;
export const requestStatusSchema = z.enum(['processing', 'awaiting_correction', 'consulting', 'replied']);
export type RequestStatus = z.infer<typeof requestStatusSchema>;

const phoneSchema = z.string().trim().regex(/^[0-9+\-() ]{5,30}$/, '请填写有效的电话号码');

/** The public form (and API body). At least one way to reach the applicant is required. */
export const newDisclosureRequestBodySchema = z
  .strictObject({
    applicantType: applicantTypeSchema,
    organisationKind: organisationKindSchema.optional(),
    name: z.string().trim().min(1, '请填写申请人姓名或名称').max(100),
    idType: idDocumentTypeSchema,
    idNumber: z.string().trim().regex(/^[0-9A-Za-z()-]{4,40}$/, '请填写有效的证件号码'),
    phone: phoneSchema.optional(),
    email: z.email('请填写有效的电子邮箱').max(200).optional(),
    address: z.string().trim().max(300).optional(),
    information: z.string().trim().min(1, '请描述申请公开的政府信息').max(4000),
    purpose: z.string().trim().max(2000).default(''),
    deliveryForm: deliveryFormSchema,
    obtainMethod: z.string().trim().max(300).default(''),
  })
  .refine((body) => body.phone !== undefined || body.email !== undefined || (body.address ?? '') !== '', {
    message: '请至少留下一种联系方式（电话、电子邮箱或通信地址）',
    path: ['phone'],
  })
  .meta({ id: 'NewDisclosureRequest' });
export type NewDisclosureRequestBody = z.infer<typeof newDisclosureRequestBodySchema>;

export const requestEventSchema = z.object({
  at: isoDateTimeSchema,
  type: z.enum(['received', 'correction_requested', 'correction_answered', 'consultation_started', 'consultation_ended', 'extended', 'replied']),
  actorId: z.string(),
  actorName: z.string(),
  /** What a person reads in the history: the clock's state after the event, with its dates. */
  note: z.string(),
});
export type RequestEvent = z.infer<typeof requestEventSchema>;

export const pauseSchema = z.object({
  kind: z.enum(['correction', 'consultation']),
  fromDate: isoDateSchema,
  /** The date the applicant or the third party is expected to answer by. */
  dueDate: isoDateSchema,
  toDate: isoDateSchema.nullable(),
});
export type Pause = z.infer<typeof pauseSchema>;

/** A stored PDF (content hash in media storage), its original name and size. */
export const attachmentSchema = z.object({ file: z.string(), name: z.string(), contentType: z.string(), size: z.number().int() });
export const attachmentIndexParamsSchema = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{20,80}$/), index: z.coerce.number().int().min(0).max(50) });
export type Attachment = z.infer<typeof attachmentSchema>;

export const replySchema = z.object({
  outcome: outcomeSchema,
  ground: groundSchema.nullable(),
  letter: z.string(),
  attachments: z.array(attachmentSchema),
  at: isoDateTimeSchema,
  date: isoDateSchema,
  byId: z.string(),
  byName: z.string(),
});

/** One case, stored whole. The identity number is kept masked only: the full number is never stored. */
export const disclosureRequestSchema = z.object({
  id: z.string(),
  number: z.string(),
  trackingHash: z.string(),
  revision: z.number().int(),
  applicant: z.object({
    type: applicantTypeSchema,
    organisationKind: organisationKindSchema.nullable(),
    name: z.string(),
    idType: idDocumentTypeSchema,
    idNumberMasked: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    address: z.string().nullable(),
  }),
  information: z.string(),
  purpose: z.string(),
  deliveryForm: deliveryFormSchema,
  obtainMethod: z.string(),
  status: requestStatusSchema,
  receivedAt: isoDateTimeSchema,
  receivedDate: isoDateSchema,
  /** The reply clock counts working days after this date (the receipt, or the 补正 answer). */
  clockStartDate: isoDateSchema,
  pauses: z.array(pauseSchema),
  correction: z.object({ requestedDate: isoDateSchema, items: z.string(), answer: z.string().nullable(), answeredDate: isoDateSchema.nullable() }).nullable(),
  extension: z.object({ days: z.number().int(), approver: z.string(), reason: z.string(), date: isoDateSchema, byName: z.string() }).nullable(),
  reply: replySchema.nullable(),
  /** Documents uploaded for the reply, sent with it. */
  attachments: z.array(attachmentSchema),
  events: z.array(requestEventSchema),
});
export type DisclosureRequest = z.infer<typeof disclosureRequestSchema>;

export const requestClockSchema = z.object({
  reply: deadlineViewSchema.nullable(),
  /** Working days of the reply period still unused while the clock is paused. */
  pausedWithDaysLeft: z.number().int().nullable(),
  correctionIssueBy: deadlineViewSchema.nullable(),
  pause: deadlineViewSchema.extend({ kind: z.enum(['correction', 'consultation']) }).nullable(),
});
export type RequestClock = z.infer<typeof requestClockSchema>;

/** What staff see: the whole case (identity number masked) and its clock. */
export const staffRequestViewSchema = disclosureRequestSchema.omit({ trackingHash: true }).extend({ clock: requestClockSchema }).meta({ id: 'DisclosureRequestCase' });
export type StaffRequestView = z.infer<typeof staffRequestViewSchema>;

/** What the applicant's tracking page shows. */
export const trackedRequestViewSchema = z
  .object({
    number: z.string(),
    status: requestStatusSchema,
    receivedDate: isoDateSchema,
    information: z.string(),
    correction: z.object({ requestedDate: isoDateSchema, items: z.string(), answer: z.string().nullable(), answeredDate: isoDateSchema.nullable() }).nullable(),
    extension: z.object({ days: z.number().int(), reason: z.string(), date: isoDateSchema }).nullable(),
    reply: z.object({ outcome: outcomeSchema, ground: groundSchema.nullable(), letter: z.string(), date: isoDateSchema, attachments: z.array(z.object({ name: z.string(), href: z.string() })) }).nullable(),
    events: z.array(z.object({ at: isoDateTimeSchema, type: requestEventSchema.shape.type, note: z.string() })),
    clock: requestClockSchema,
  })
  .meta({ id: 'TrackedDisclosureRequest' });
export type TrackedRequestView = z.infer<typeof trackedRequestViewSchema>;

export const createdRequestSchema = z
  .object({ id: z.string(), number: z.string(), trackingUrl: z.string(), trackingToken: z.string(), receivedDate: isoDateSchema, clock: requestClockSchema })
  .meta({ id: 'CreatedDisclosureRequest' });

export const queueItemSchema = z.object({
  id: z.string(),
  number: z.string(),
  applicantName: z.string(),
  status: requestStatusSchema,
  receivedDate: isoDateSchema,
  information: z.string(),
  clock: requestClockSchema,
  /** Overdue, due within 3 working days, or neither (for highlighting). */
  urgency: z.enum(['overdue', 'due_soon', 'normal']),
});
/** A mail about a case waiting to leave (reply to the applicant, reminder to staff). */
export const disclosureMailSchema = z.object({
  id: z.string(),
  requestId: z.string(),
  /** Unique: the same reply or the same deadline's reminder is queued once, whatever the process. */
  dedupeKey: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  createdAt: isoDateTimeSchema,
  sentAt: isoDateTimeSchema.nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
});
export type DisclosureMail = z.infer<typeof disclosureMailSchema>;

export type QueueItem = z.infer<typeof queueItemSchema>;
export const queueSchema = z.object({ items: z.array(queueItemSchema) }).meta({ id: 'DisclosureRequestQueue' });

export const requestIdParamsSchema = z.strictObject({ id: z.string().regex(/^ysq-[A-Za-z0-9_-]{8,40}$/, '申请编号格式不正确') });
export const trackingParamsSchema = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{20,80}$/, '查询链接不正确') });

export const correctionBodySchema = z.strictObject({
  items: z.string().trim().min(1, '请说明需要补正的事项').max(2000),
  /** A reasonable period for the applicant (条例 第三十条), in working days. */
  periodWorkingDays: z.coerce.number().int().min(1).max(60).default(15),
});
export const correctionAnswerBodySchema = z.strictObject({ answer: z.string().trim().min(1, '请填写补正内容').max(4000) });
export const extensionBodySchema = z.strictObject({
  days: z.coerce.number().int().min(1, '延长天数至少 1 个工作日').max(365),
  approver: z.string().trim().min(1, '请填写批准延期的负责人').max(60),
  reason: z.string().trim().min(1, '请说明延期理由').max(1000),
});
export const consultationBodySchema = z.strictObject({ thirdParty: z.string().trim().min(1, '请填写第三方名称').max(200) });
export const consultationEndBodySchema = z.strictObject({ summary: z.string().trim().min(1, '请概述第三方意见').max(2000) });
export const replyBodySchema = z.strictObject({
  outcome: outcomeSchema,
  ground: groundSchema.optional(),
  letter: z.string().trim().min(1, '请填写答复书正文').max(20000),
});
export type ReplyBody = z.infer<typeof replyBodySchema>;

/** The request number applicants quote: `YSQ-<year>-<6 digits>`, counted per year. */
export function requestNumber({ year, value }: { year: number; value: number }): string {
  return `YSQ-${year}-${String(value).padStart(6, '0')}`;
}
