import type { WorkingDayCalendar } from '../calendar/working-day-calendar.js';
import crypto from 'node:crypto';
import type { Config } from '../config.js';
import type { ImageProcessor } from '../ports/image-processor.port.js';
import type { MediaStorage } from '../ports/media-storage.port.js';
import type { AuditService } from '../services/audit.service.js';
import type { PublicVersions } from '../services/public-versions.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { Signer } from '../security/signer.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import { FaqSyncService } from './faq-sync.service.js';
import { FaqService } from './faq.service.js';
import { InterpretationService } from './interpretation.service.js';
import { MediaAccessService } from './media-access.service.js';
import { QuestionService } from './question.service.js';
import { attachDemoDraftPackage, loadDemoInterpretations } from './demo-interpretations.js';

export interface InterpretationServices {
  media: MediaStorage;
  /** Who may fetch which stored file at /media/<file>. */
  mediaAccess: MediaAccessService;
  /** The package, its graphics, comparison and summary card, and the 三同步 gate. */
  packages: InterpretationService;
  faqs: FaqService;
  questions: QuestionService;
  faqSync: FaqSyncService;
}

/**
 * The interpretation module's services over the ports the composition root hands it (server/platform.ts);
 * FAQ and reply writes re-index FAQs.
 */
export function createInterpretationServices({
  config,
  store,
  index,
  media,
  images,
  taxonomy,
  signer,
  now,
  syncSearch,
  audit,
  publicVersions,
  calendar,
}: {
  audit: AuditService;
  publicVersions: PublicVersions;
  config: Config;
  store: Store;
  index: SearchIndex;
  media: MediaStorage;
  images: ImageProcessor;
  taxonomy: TaxonomyService;
  signer: Signer;
  now: () => Date;
  syncSearch: boolean;
  /** The working-day calendar with local adjustments, for reply deadlines. */
  calendar?: () => Promise<WorkingDayCalendar>;
}): InterpretationServices {
  const interpretation = new InterpretationService({
    store,
    taxonomy,
    media,
    images,
    now,
    maxImagePixels: config.IMAGE_MAX_PIXELS,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    audit,
    publicVersions,
  });
  const faqSync = new FaqSyncService({ store, index, taxonomy, publicVersions });
  const faqs = new FaqService({ store, index, taxonomy, interpretation, now, audit });
  const questions = new QuestionService({
    store,
    interpretation,
    faqs,
    now,
    limits: { perWindow: config.QUESTION_RATE_LIMIT, windowMinutes: config.QUESTION_RATE_WINDOW_MINUTES, perDay: config.QUESTION_DAILY_LIMIT },
    ...(calendar ? { calendar } : {}),
    hashClient: (clientKey) => signer.sign({ purpose: 'question-client', value: crypto.createHash('sha256').update(clientKey).digest('hex') }).slice(-32),
  });
  const follow = async () => {
    if (syncSearch) await faqSync.catchUp();
  };
  faqs.onWrite(follow);
  questions.onWrite(follow);
  const mediaAccess = new MediaAccessService({ store, media, publicVersions });
  return { media, mediaAccess, packages: interpretation, faqs, questions, faqSync };
}

/** Demo packages for imported policies; the returned hook writes those of workflow demo policies before submission. */
export async function seedDemoInterpretations({ services }: { services: InterpretationServices }) {
  const loaded = await loadDemoInterpretations({ interpretation: services.packages });
  return {
    loaded,
    beforeSubmit: (policyId: string) => attachDemoDraftPackage({ interpretation: services.packages, faqs: services.faqs, policyId }),
  };
}
