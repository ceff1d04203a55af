import type { PortalExtensions } from '../../web/extensions.js';
import type { ConsultationService } from './consultation.service.js';
import { adoptionSlot } from './consultation.views.js';

/** Adds the policy page's link to the adoption reports published with the policy (意见采纳情况反馈). */
export function withConsultationSlot({ extensions, consultations }: { extensions: PortalExtensions; consultations: ConsultationService }): PortalExtensions {
  return {
    ...extensions,
    policySlots: {
      ...extensions.policySlots,
      consultation: async ({ policy }) => {
        const reports = await consultations.reportsForPolicy({ policyId: policy.id });
        return reports.length > 0 ? adoptionSlot({ reports }) : null;
      },
    },
  };
}
