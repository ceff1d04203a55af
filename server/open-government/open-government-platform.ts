import { OFFICIAL_CALENDAR, type WorkingDayCalendar } from '../calendar/working-day-calendar.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { AudienceSyncService } from '../services/audience-sync.service.js';
import type { MatchingService } from '../services/matching.service.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import { RateLimiter } from '../web/security/rate-limit.js';
import { annualReportRoutes } from './annual-report/annual-report.routes.js';
import { AnnualReportService } from './annual-report/annual-report.service.js';
import { officeWorkSection, proactiveDisclosureSection, reviewLitigationSection } from './annual-report/report-sections.js';
import type { ReportSectionBuilder } from './annual-report.types.js';
import { consultationRoutes } from './consultations/consultation.routes.js';
import { ConsultationService } from './consultations/consultation.service.js';
import { ConsultationFeed, consultationFeedRouter } from './consultations/consultation-feed.js';

export interface OpenGovernmentServices {
  consultations: ConsultationService;
  consultationFeed: ConsultationFeed;
  annualReport: AnnualReportService;
}

const COMMENT_WINDOW_MS = 10 * 60_000;

/**
 * 征求意见 and the yearly report, built by the composition root. `requestSections` are the tables
 * of 三、收到和处理政府信息公开申请情况, contributed by the disclosure-request module: they sit
 * between the proactive-disclosure table and the reconsideration table, as in the national format.
 */
export function createOpenGovernmentServices({
  config,
  store,
  index,
  taxonomy,
  matching,
  audienceSync,
  now,
  logger,
  calendar = async () => OFFICIAL_CALENDAR,
  requestSections = [],
}: {
  config: Config;
  store: Store;
  index: SearchIndex;
  taxonomy: TaxonomyService;
  matching: MatchingService;
  audienceSync: AudienceSyncService;
  now: () => Date;
  logger: Logger;
  /** The working-day calendar with the office's local adjustments. */
  calendar?: () => Promise<WorkingDayCalendar>;
  requestSections?: readonly ReportSectionBuilder[];
}): OpenGovernmentServices {
  const consultations = new ConsultationService({
    store,
    index,
    taxonomy,
    matching,
    audienceSync,
    now,
    logger,
    minDays: config.CONSULTATION_MIN_DAYS,
    commentLimiter: new RateLimiter({ limit: config.CONSULTATION_COMMENT_RATE_LIMIT, windowMs: COMMENT_WINDOW_MS, now: () => now().getTime() }),
  });
  const sections: ReportSectionBuilder[] = [
    proactiveDisclosureSection({ store, taxonomy }),
    ...requestSections,
    reviewLitigationSection({ store }),
    officeWorkSection({ store, calendar }),
  ];
  return {
    consultations,
    consultationFeed: new ConsultationFeed({ consultations, taxonomy, baseUrl: config.PUBLIC_BASE_URL, now }),
    annualReport: new AnnualReportService({ store, sections, now }),
  };
}

export function openGovernmentRoutes({ services }: { services: OpenGovernmentServices }) {
  return [...consultationRoutes({ consultations: services.consultations }), ...annualReportRoutes({ reports: services.annualReport })];
}

/** Routers outside the JSON API (Atom feeds). */
export function openGovernmentRouters({ services }: { services: OpenGovernmentServices }) {
  return [consultationFeedRouter({ feed: services.consultationFeed })];
}
