import crypto from 'node:crypto';
import { z } from 'zod';
import {
  consultationBodySchema,
  consultationEndBodySchema,
  correctionAnswerBodySchema,
  correctionBodySchema,
  extensionBodySchema,
  GROUNDS,
  OUTCOME_LABELS,
  OUTCOMES_WITH_GROUND,
  REQUEST_STATUS_LABELS,
  type DisclosureMail,
  type DisclosureRequest,
  type NewDisclosureRequestBody,
  type QueueItem,
  type ReplyBody,
  type RequestEvent,
  type StaffRequestView,
  type TrackedRequestView,
} from '../../../schemas/disclosure-request.schema.js';
import type { CalendarService } from '../../calendar/calendar.service.js';
import { shanghaiDate, type WorkingDayCalendar } from '../../calendar/working-day-calendar.js';
import { invalid, invalidState, notFound } from '../../errors.js';
import type { DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import type { MediaStorage } from '../../ports/media-storage.port.js';
import type { UploadedFile } from '../../uploaded-file.js';
import type { Signer } from '../../security/signer.js';
import type { Actor } from '../../services/actor.js';
import {
  clockOf,
  CONSULTATION_WORKING_DAYS,
  correctionIssueBy,
  DUE_SOON_WORKING_DAYS,
  MAX_EXTENSION_WORKING_DAYS,
  replyDueDate,
  urgencyOf,
} from './request-clock.js';

const TRACKING_PURPOSE = 'disclosure-tracking';
const APPLICANT = { actorId: 'applicant', actorName: '申请人' } as const;

/**
 * Keeps the first and last four characters of an identity document number (fewer for short ones).
 * The full number is never stored: the case needs to know which document was named, not to hold it.
 */
export function maskIdNumber(value: string): string {
  const keep = value.length >= 12 ? 4 : value.length >= 6 ? 2 : 1;
  return `${value.slice(0, keep)}${'*'.repeat(Math.max(1, value.length - 2 * keep))}${value.slice(-keep)}`;
}

function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * 依申请公开 cases under the 政府信息公开条例 (2019): receipt, 补正 (第三十条), third-party consultation
 * (第三十二条), one extension (第三十三条) and a reply with one statutory outcome (第三十六条). Every
 * date comes from the working-day calendar with the administrator's adjustments; every change of the
 * clock is an event in the case history. Refusals change nothing.
 */
export class DisclosureRequestService {
  private readonly repo: DisclosureRequestRepository;
  private readonly calendars: CalendarService;
  private readonly signer: Signer;
  private readonly now: () => Date;
  private readonly baseUrl: string;
  private readonly staffEmails: readonly string[];
  private readonly media: MediaStorage;

  constructor({
    media,
    repo,
    calendars,
    signer,
    now,
    baseUrl,
    staffEmails,
  }: {
    repo: DisclosureRequestRepository;
    calendars: CalendarService;
    signer: Signer;
    now: () => Date;
    baseUrl: string;
    /** Who gets deadline reminders. */
    staffEmails: readonly string[];
    /** Where reply documents are kept (content-addressed). */
    media: MediaStorage;
  }) {
    this.media = media;
    this.repo = repo;
    this.calendars = calendars;
    this.signer = signer;
    this.now = now;
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.staffEmails = staffEmails;
  }

  trackingToken(id: string): string {
    return this.signer.mac(TRACKING_PURPOSE, id);
  }

  trackingUrl(id: string): string {
    return `${this.baseUrl}/disclosure/track/${this.trackingToken(id)}`;
  }

  async submit({ body }: { body: NewDisclosureRequestBody }) {
    const now = this.now();
    const today = shanghaiDate(now);
    const id = `ysq-${crypto.randomBytes(12).toString('base64url')}`;
    const token = this.trackingToken(id);
    const request = await this.repo.create({
      year: Number(today.slice(0, 4)),
      request: {
        id,
        trackingHash: hashToken(token),
        revision: 1,
        applicant: {
          type: body.applicantType,
          organisationKind: body.applicantType === 'organisation' ? (body.organisationKind ?? 'other') : null,
          name: body.name,
          idType: body.idType,
          idNumberMasked: maskIdNumber(body.idNumber),
          phone: body.phone ?? null,
          email: body.email ?? null,
          address: body.address || null,
        },
        information: body.information,
        purpose: body.purpose,
        deliveryForm: body.deliveryForm,
        obtainMethod: body.obtainMethod,
        status: 'processing',
        receivedAt: now.toISOString(),
        receivedDate: today,
        clockStartDate: today,
        pauses: [],
        correction: null,
        extension: null,
        reply: null,
        attachments: [],
        events: [],
      },
    });
    const calendar = await this.calendars.calendar();
    const due = replyDueDate({ request, calendar }) ?? today;
    const received = { ...request, revision: 2, events: [this.event({ type: 'received', actor: APPLICANT, note: `收到申请，答复期限 ${due}（第三十三条：20 个工作日）` })] };
    await this.repo.update({ request: received, expectedRevision: 1 });
    return { id, number: request.number, trackingToken: token, trackingUrl: this.trackingUrl(id), receivedDate: today, clock: clockOf({ request: received, calendar, now }) };
  }

  private event({ type, actor, note }: { type: RequestEvent['type']; actor: { actorId: string; actorName: string }; note: string }): RequestEvent {
    return { at: this.now().toISOString(), type, actorId: actor.actorId, actorName: actor.actorName, note };
  }

  private async requireCase(id: string): Promise<DisclosureRequest> {
    const request = await this.repo.get(id);
    if (!request) throw notFound({ code: 'disclosure_request_not_found', message: '未找到该政府信息公开申请' });
    return request;
  }

  private async requireTracked(token: string): Promise<DisclosureRequest> {
    const request = await this.repo.findByTrackingHash(hashToken(token));
    if (!request) throw notFound({ code: 'disclosure_request_not_found', message: '查询链接无效，请核对申请回执中的链接' });
    return request;
  }

  private assertOpen(request: DisclosureRequest): void {
    if (request.status === 'replied') throw invalidState({ code: 'request_closed', message: `申请 ${request.number} 已答复办结，不能再变更` });
  }

  /** Writes the next revision with one more event; optimistic, so two staff acting at once cannot both win. */
  private async save({ before, after, event, mail }: { before: DisclosureRequest; after: DisclosureRequest; event: RequestEvent; mail?: DisclosureMail }): Promise<DisclosureRequest> {
    const next = { ...after, revision: before.revision + 1, events: [...before.events, event] };
    await this.repo.update({ request: next, expectedRevision: before.revision, ...(mail ? { mail } : {}) });
    return next;
  }

  private staffActor(actor: Actor) {
    return { actorId: actor.id, actorName: actor.name };
  }

  async track({ token }: { token: string }): Promise<TrackedRequestView> {
    const request = await this.requireTracked(token);
    const calendar = await this.calendars.calendar();
    return {
      number: request.number,
      status: request.status,
      receivedDate: request.receivedDate,
      information: request.information,
      correction: request.correction,
      extension: request.extension ? { days: request.extension.days, reason: request.extension.reason, date: request.extension.date } : null,
      reply: request.reply
        ? {
            outcome: request.reply.outcome,
            ground: request.reply.ground,
            letter: request.reply.letter,
            date: request.reply.date,
            attachments: request.reply.attachments.map((a, index) => ({ name: a.name, href: `/api/v1/disclosure-requests/track/${token}/attachments/${index}` })),
          }
        : null,
      events: request.events.map(({ at, type, note }) => ({ at, type, note })),
      clock: clockOf({ request, calendar, now: this.now() }),
    };
  }

  async staffView({ id }: { id: string }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    return this.toStaffView({ request, calendar: await this.calendars.calendar() });
  }

  private toStaffView({ request, calendar }: { request: DisclosureRequest; calendar: WorkingDayCalendar }): StaffRequestView {
    const { trackingHash: _hash, ...rest } = request;
    return { ...rest, clock: clockOf({ request, calendar, now: this.now() }) };
  }

  /** Open cases, nearest deadline first, with overdue and due-within-3-working-days marked. */
  async queue(): Promise<QueueItem[]> {
    const calendar = await this.calendars.calendar();
    const now = this.now();
    const items = (await this.repo.listOpen()).map((request): QueueItem => {
      const clock = clockOf({ request, calendar, now });
      return {
        id: request.id,
        number: request.number,
        applicantName: request.applicant.name,
        status: request.status,
        receivedDate: request.receivedDate,
        information: request.information.slice(0, 200),
        clock,
        urgency: urgencyOf(clock),
      };
    });
    const nearest = (item: QueueItem) =>
      [item.clock.reply, item.clock.correctionIssueBy, item.clock.pause].filter((d) => d !== null).map((d) => d.dueDate).sort()[0] ?? '9999-12-31';
    return items.sort((a, b) => nearest(a).localeCompare(nearest(b)) || a.number.localeCompare(b.number));
  }

  /** 第三十条: once, within 7 working days of receipt; the clock stops until the applicant answers. */
  async requestCorrection({ id, actor, body }: { id: string; actor: Actor; body: z.infer<typeof correctionBodySchema> }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    this.assertOpen(request);
    const calendar = await this.calendars.calendar();
    const today = shanghaiDate(this.now());
    if (request.correction) throw invalidState({ code: 'correction_already_requested', message: '补正只能一次性告知，本申请已发出过补正通知' });
    if (request.status !== 'processing') throw invalidState({ code: 'request_paused', message: `申请当前状态为“${REQUEST_STATUS_LABELS[request.status]}”，不能发出补正通知` });
    const lastDay = correctionIssueBy({ request, calendar });
    if (lastDay === null || today > lastDay) {
      throw invalidState({ code: 'correction_too_late', message: `补正通知应在收到申请之日起 7 个工作日内（${lastDay ?? request.receivedDate} 前）发出，已逾期` });
    }
    const dueDate = calendar.addWorkingDays({ from: today, count: body.periodWorkingDays });
    const after: DisclosureRequest = {
      ...request,
      status: 'awaiting_correction',
      correction: { requestedDate: today, items: body.items, answer: null, answeredDate: null },
      pauses: [...request.pauses, { kind: 'correction', fromDate: today, dueDate, toDate: null }],
    };
    const saved = await this.save({
      before: request,
      after,
      event: this.event({ type: 'correction_requested', actor: this.staffActor(actor), note: `发出补正通知，计时暂停；请申请人于 ${dueDate} 前补正（第三十条）` }),
      ...(request.applicant.email ? { mail: this.applicantMail({ request, key: 'correction', subject: `政府信息公开申请 ${request.number} 需要补正`, text: `您的申请需要补正：\n\n${body.items}\n\n请于 ${dueDate} 前通过查询页面补正：${this.trackingUrl(request.id)}\n答复期限自收到补正之日起重新计算。` }) } : {}),
    });
    return this.toStaffView({ request: saved, calendar });
  }

  /** The applicant's answer through the tracking page: the 20 working days start again from today. */
  async answerCorrection({ token, body }: { token: string; body: z.infer<typeof correctionAnswerBodySchema> }): Promise<TrackedRequestView> {
    const request = await this.requireTracked(token);
    this.assertOpen(request);
    if (request.status !== 'awaiting_correction' || !request.correction) throw invalidState({ code: 'no_correction_pending', message: '本申请没有待补正的事项' });
    const today = shanghaiDate(this.now());
    const calendar = await this.calendars.calendar();
    const restarted: DisclosureRequest = {
      ...request,
      status: 'processing',
      correction: { ...request.correction, answer: body.answer, answeredDate: today },
      // 第三十条: the reply period runs from the day the corrected request arrives; earlier pauses no longer matter.
      clockStartDate: today,
      pauses: [],
    };
    const due = replyDueDate({ request: restarted, calendar }) ?? today;
    await this.save({ before: request, after: restarted, event: this.event({ type: 'correction_answered', actor: APPLICANT, note: `申请人已补正，重新计时，答复期限 ${due}` }) });
    return this.track({ token });
  }

  /** 第三十二条: the third party has 15 working days; the time does not count toward the reply (第三十三条). */
  async startConsultation({ id, actor, body }: { id: string; actor: Actor; body: z.infer<typeof consultationBodySchema> }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    this.assertOpen(request);
    if (request.status !== 'processing') throw invalidState({ code: 'request_paused', message: `申请当前状态为“${REQUEST_STATUS_LABELS[request.status]}”，不能征求第三方意见` });
    const calendar = await this.calendars.calendar();
    const today = shanghaiDate(this.now());
    const dueDate = calendar.addWorkingDays({ from: today, count: CONSULTATION_WORKING_DAYS });
    const saved = await this.save({
      before: request,
      after: { ...request, status: 'consulting', pauses: [...request.pauses, { kind: 'consultation', fromDate: today, dueDate, toDate: null }] },
      event: this.event({ type: 'consultation_started', actor: this.staffActor(actor), note: `书面征求第三方（${body.thirdParty}）意见，计时暂停；第三方应于 ${dueDate} 前答复（第三十二条）` }),
    });
    return this.toStaffView({ request: saved, calendar });
  }

  async endConsultation({ id, actor, body }: { id: string; actor: Actor; body: z.infer<typeof consultationEndBodySchema> }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    this.assertOpen(request);
    if (request.status !== 'consulting') throw invalidState({ code: 'no_consultation', message: '本申请没有进行中的第三方征求意见' });
    const calendar = await this.calendars.calendar();
    const today = shanghaiDate(this.now());
    const resumed: DisclosureRequest = { ...request, status: 'processing', pauses: request.pauses.map((pause) => (pause.toDate === null ? { ...pause, toDate: today } : pause)) };
    const due = replyDueDate({ request: resumed, calendar }) ?? today;
    const saved = await this.save({
      before: request,
      after: resumed,
      event: this.event({ type: 'consultation_ended', actor: this.staffActor(actor), note: `第三方意见：${body.summary}；恢复计时，答复期限 ${due}` }),
    });
    return this.toStaffView({ request: saved, calendar });
  }

  /** 第三十三条: once, at most 20 working days, approved by the head of the disclosure office. */
  async extend({ id, actor, body }: { id: string; actor: Actor; body: z.infer<typeof extensionBodySchema> }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    this.assertOpen(request);
    if (request.extension) throw invalidState({ code: 'extension_used', message: `本申请已于 ${request.extension.date} 延期一次，条例只允许延期一次` });
    if (body.days > MAX_EXTENSION_WORKING_DAYS) throw invalid({ code: 'extension_too_long', message: `延长期限最长不得超过 ${MAX_EXTENSION_WORKING_DAYS} 个工作日（第三十三条）` });
    const calendar = await this.calendars.calendar();
    const today = shanghaiDate(this.now());
    const extended: DisclosureRequest = { ...request, extension: { days: body.days, approver: body.approver, reason: body.reason, date: today, byName: actor.name } };
    const due = replyDueDate({ request: extended, calendar });
    const saved = await this.save({
      before: request,
      after: extended,
      event: this.event({
        type: 'extended',
        actor: this.staffActor(actor),
        note: `经 ${body.approver} 同意延期 ${body.days} 个工作日（${body.reason}）${due ? `，答复期限 ${due}` : ''}`,
      }),
      ...(request.applicant.email
        ? { mail: this.applicantMail({ request, key: 'extension', subject: `政府信息公开申请 ${request.number} 延期答复`, text: `因${body.reason}，经批准延期 ${body.days} 个工作日答复${due ? `，答复期限 ${due}` : ''}。\n查询办理进度：${this.trackingUrl(request.id)}` }) }
        : {}),
    });
    return this.toStaffView({ request: saved, calendar });
  }

  /** A PDF document for the reply (答复书 scan, the disclosed information); sent with the reply. */
  async addAttachment({ id, file }: { id: string; file: UploadedFile | null }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    this.assertOpen(request);
    if (!file || file.buffer.length === 0) throw invalid({ code: 'file_required', message: '请选择要上传的 PDF 文件' });
    if (file.buffer.subarray(0, 5).toString('latin1') !== '%PDF-') throw invalid({ code: 'pdf_required', message: '附件只接受 PDF 文件' });
    const hash = await this.media.put({ data: file.buffer, ext: 'pdf' });
    const name = file.filename.replace(/[\\/\r\n]/g, '_').slice(0, 200) || 'attachment.pdf';
    const next = { ...request, revision: request.revision + 1, attachments: [...request.attachments, { file: `${hash}.pdf`, name, contentType: 'application/pdf', size: file.buffer.length }] };
    await this.repo.update({ request: next, expectedRevision: request.revision });
    return this.toStaffView({ request: next, calendar: await this.calendars.calendar() });
  }

  /** A reply document, for the applicant holding the tracking link, once the reply is out. */
  async readAttachment({ token, index }: { token: string; index: number }): Promise<{ name: string; data: Buffer }> {
    const request = await this.requireTracked(token);
    const attachment = request.reply?.attachments[index];
    const data = attachment ? await this.media.read({ hash: attachment.file.replace(/\.pdf$/, ''), ext: 'pdf' }) : null;
    if (!attachment || !data) throw notFound({ code: 'attachment_not_found', message: '没有该附件' });
    return { name: attachment.name, data };
  }

  /** 第三十六条: one statutory outcome; any refusal names its legal ground. Sent to the applicant by e-mail. */
  async reply({ id, actor, body }: { id: string; actor: Actor; body: ReplyBody }): Promise<StaffRequestView> {
    const request = await this.requireCase(id);
    const attachments = request.attachments;
    this.assertOpen(request);
    const ground = body.ground ?? null;
    if (OUTCOMES_WITH_GROUND.includes(body.outcome) && ground === null) {
      throw invalid({ code: 'ground_required', message: `“${OUTCOME_LABELS[body.outcome]}”须注明法定理由（条例条款）` });
    }
    if (ground !== null) {
      const allowed = GROUNDS[ground].outcome === body.outcome || (body.outcome === 'partly_disclosed' && GROUNDS[ground].outcome === 'withheld');
      if (!allowed) throw invalid({ code: 'ground_mismatch', message: `理由“${GROUNDS[ground].label}”不适用于“${OUTCOME_LABELS[body.outcome]}”` });
    }
    const now = this.now();
    const today = shanghaiDate(now);
    const calendar = await this.calendars.calendar();
    const replied: DisclosureRequest = {
      ...request,
      status: 'replied',
      pauses: request.pauses.map((pause) => (pause.toDate === null ? { ...pause, toDate: today } : pause)),
      reply: { outcome: body.outcome, ground, letter: body.letter, attachments, at: now.toISOString(), date: today, byId: actor.id, byName: actor.name },
    };
    const groundText = ground ? `（${GROUNDS[ground].label}）` : '';
    const saved = await this.save({
      before: request,
      after: replied,
      event: this.event({ type: 'replied', actor: this.staffActor(actor), note: `作出答复：${OUTCOME_LABELS[body.outcome]}${groundText}` }),
      ...(request.applicant.email
        ? {
            mail: this.applicantMail({
              request,
              key: 'reply',
              subject: `政府信息公开申请 ${request.number} 答复书`,
              text: `${request.applicant.name}：\n\n您于 ${request.receivedDate} 提出的政府信息公开申请（${request.number}）已办结。\n答复结果：${OUTCOME_LABELS[body.outcome]}${groundText}\n\n${body.letter}\n\n${attachments.length > 0 ? `附件（${attachments.map((a) => a.name).join('、')}）可在查询页面下载。\n\n` : ''}查看答复书：${this.trackingUrl(request.id)}`,
            }),
          }
        : {}),
    });
    return this.toStaffView({ request: saved, calendar });
  }

  private applicantMail({ request, key, subject, text }: { request: DisclosureRequest; key: string; subject: string; text: string }): DisclosureMail {
    return {
      id: `dm-${crypto.randomBytes(12).toString('base64url')}`,
      requestId: request.id,
      dedupeKey: `${key}:${request.id}`,
      to: request.applicant.email ? [request.applicant.email] : [],
      subject,
      text,
      createdAt: this.now().toISOString(),
      sentAt: null,
      attempts: 0,
      lastError: null,
    };
  }

  /**
   * Queues one reminder to staff for each deadline within three working days (reply, 补正 window,
   * third-party answer). The dedupe key names the deadline and its date, so a reminder is queued
   * once per deadline by whichever process gets there first; a moved deadline gets its own reminder.
   */
  async queueReminders(): Promise<number> {
    if (this.staffEmails.length === 0) return 0;
    const calendar = await this.calendars.calendar();
    const now = this.now();
    let queued = 0;
    for (const request of await this.repo.listOpen()) {
      const clock = clockOf({ request, calendar, now });
      const deadlines = [
        { kind: 'reply', label: '答复期限', view: clock.reply },
        { kind: 'correction', label: '补正告知期限', view: clock.correctionIssueBy },
        { kind: 'pause', label: clock.pause?.kind === 'consultation' ? '第三方答复期限' : '申请人补正期限', view: clock.pause },
      ];
      for (const { kind, label, view } of deadlines) {
        if (!view || view.workingDaysLeft > DUE_SOON_WORKING_DAYS) continue;
        const state = view.overdue ? `已逾期 ${-view.workingDaysLeft} 个工作日` : `剩余 ${view.workingDaysLeft} 个工作日`;
        const inserted = await this.repo.enqueueMail({
          id: `dm-${crypto.randomBytes(12).toString('base64url')}`,
          requestId: request.id,
          dedupeKey: `reminder:${request.id}:${kind}:${view.dueDate}`,
          to: [...this.staffEmails],
          subject: `【依申请公开提醒】${request.number} ${label} ${view.dueDate}（${state}）`,
          text: `申请 ${request.number}（${request.applicant.name}）的${label}为 ${view.dueDate}，${state}。\n办理页面：${this.baseUrl}/staff/disclosure/${request.id}`,
          createdAt: now.toISOString(),
          sentAt: null,
          attempts: 0,
          lastError: null,
        });
        if (inserted) queued += 1;
      }
    }
    return queued;
  }

  listMail({ id }: { id: string }) {
    return this.repo.listMail({ requestId: id });
  }
}
