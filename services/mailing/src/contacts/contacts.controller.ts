import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiZodResponse, RequireScope, ZodPipe } from '@switchboard/http';
import { z } from 'zod';
import { CUSTOMER_SEGMENTS } from '../campaigns/dto/campaign.dto.ts';
import { ContactNotFoundError } from './contacts.errors.ts';
import { ContactsRepository } from './contacts.repository.ts';

const contactViewSchema = z.object({
  customerId: z.uuid(),
  segment: z.enum(CUSTOMER_SEGMENTS),
  country: z.string().length(2),
  marketingConsent: z.boolean(),
  updatedAt: z.iso.datetime().describe('when mailing stored the crm event this view reflects'),
});
type ContactView = z.output<typeof contactViewSchema>;

/**
 * What mailing knows of a customer, without the personal data itself: whether a campaign's
 * audience would include it, and how fresh that knowledge is.
 */
@ApiTags('contacts')
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsRepository) {}

  @Get(':customerId')
  @RequireScope('mailing.contacts:read')
  @ApiOperation({
    summary: "mailing's view of a customer from crm's events: segment, country, consent, and when it arrived",
  })
  @ApiZodResponse(200, contactViewSchema, 'the contact as mailing knows it')
  @ApiProblems(
    { status: 400, description: 'the id is not a UUID' },
    { status: 404, description: 'mailing has not received this customer from crm (yet)' },
  )
  async get(
    @Param('customerId', new ZodPipe(z.uuid('must be a UUID'))) customerId: string,
  ): Promise<ContactView> {
    const view = await this.contacts.view(customerId);
    if (!view) throw new ContactNotFoundError(customerId);
    return view;
  }
}
