import { Module } from '@nestjs/common';
import { CampaignProgress } from './campaigns/campaign-progress.ts';
import { CampaignRunner } from './campaigns/campaign-runner.ts';
import { CampaignsController } from './campaigns/campaigns.controller.ts';
import { CampaignsRepository } from './campaigns/campaigns.repository.ts';
import { CreateCampaignUseCase } from './campaigns/create-campaign.use-case.ts';
import { ApplyContactUseCase } from './contacts/apply-contact.use-case.ts';
import { ContactsController } from './contacts/contacts.controller.ts';
import { ContactsRepository } from './contacts/contacts.repository.ts';
import { MailDispatcher } from './mail/mail-dispatcher.ts';
import { AttachmentFetcher } from './mail/attachment-fetcher.ts';
import { MailTransport } from './mail/mail-transport.ts';
import { OutgoingMailRepository } from './mail/outgoing-mail.repository.ts';
import { QueueMailUseCase } from './mail/queue-mail.use-case.ts';
import { PrintingModule } from './printing/printing.module.ts';

/**
 * mailing in one module: the dispatcher (mail) advances campaign recipients when their notices
 * are sent, and the campaign runner queues those notices for the dispatcher — split into two
 * modules, they would import each other.
 */
@Module({
  imports: [PrintingModule],
  controllers: [CampaignsController, ContactsController],
  providers: [
    ContactsRepository,
    ApplyContactUseCase,
    OutgoingMailRepository,
    MailTransport,
    AttachmentFetcher,
    MailDispatcher,
    QueueMailUseCase,
    CampaignsRepository,
    CampaignProgress,
    CampaignRunner,
    CreateCampaignUseCase,
  ],
  exports: [ApplyContactUseCase, QueueMailUseCase],
})
export class MailingModule {}
