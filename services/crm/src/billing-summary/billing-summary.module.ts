import { Module } from '@nestjs/common';
import { BillingSummaryRepository } from './billing-summary.repository.ts';
import { FollowBillingUseCase } from './follow-billing.use-case.ts';

/** The billing summary on the customer profile: crm's read model of billing's events. */
@Module({
  providers: [BillingSummaryRepository, FollowBillingUseCase],
  exports: [BillingSummaryRepository, FollowBillingUseCase],
})
export class BillingSummaryModule {}
