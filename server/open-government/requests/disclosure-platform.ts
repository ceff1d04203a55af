import { CalendarService } from '../../calendar/calendar.service.js';
import type { Logger } from '../../logger.js';
import type { MailTransport } from '../../ports/mail-transport.port.js';
import type { MediaStorage } from '../../ports/media-storage.port.js';
import type { Store } from '../../ports/store.port.js';
import type { Signer } from '../../security/signer.js';
import type { ReportSectionBuilder } from '../annual-report.types.js';
import { DisclosureMailService } from './request-mail.service.js';
import { requestReportTables } from './request-report.js';
import { DisclosureRequestService } from './request.service.js';

export interface DisclosureServices {
  requests: DisclosureRequestService;
  /** The yearly report's request tables (表三), for the report assembler. */
  reportTables: ReportSectionBuilder;
}

/** Built once in the composition root, beside the calendar every deadline user shares. */
export function createCalendarService({ store, now }: { store: Store; now: () => Date }): CalendarService {
  return new CalendarService({ adjustments: store.calendarAdjustments, now });
}

export function createDisclosureServices({
  store,
  calendars,
  signer,
  now,
  baseUrl,
  staffEmails,
  media,
}: {
  media: MediaStorage;
  store: Store;
  calendars: CalendarService;
  signer: Signer;
  now: () => Date;
  baseUrl: string;
  staffEmails: readonly string[];
}): DisclosureServices {
  return {
    requests: new DisclosureRequestService({ repo: store.disclosureRequests, calendars, signer, now, baseUrl, staffEmails, media }),
    reportTables: requestReportTables({ requests: store.disclosureRequests }),
  };
}

/** The sending side, in worker processes only. */
export function createDisclosureMail({ store, disclosure, mail, from, now, logger }: { store: Store; disclosure: DisclosureServices; mail: MailTransport | null; from: string; now: () => Date; logger: Logger }): DisclosureMailService {
  return new DisclosureMailService({ repo: store.disclosureRequests, requests: disclosure.requests, mail, from, now, logger });
}
