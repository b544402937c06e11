import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  type Caller,
  CurrentCaller,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import { z } from 'zod';
import { BillingSummaryRepository } from '../billing-summary/billing-summary.repository.ts';
import { CustomerNotFoundError } from './customers.errors.ts';
import { CustomersRepository } from './customers.repository.ts';
import {
  type Customer,
  customerPageSchema,
  type CustomerProfile,
  customerProfileSchema,
  customerSchema,
  type ListCustomersQuery,
  listCustomersQuerySchema,
  type RegisterCustomer,
  registerCustomerSchema,
  type UpdateCustomer,
  updateCustomerSchema,
} from './dto/customer.dto.ts';
import { RegisterCustomerUseCase } from './register-customer.use-case.ts';
import { UpdateCustomerUseCase } from './update-customer.use-case.ts';

export const customerIdParam = new ZodPipe(z.uuid('must be a UUID'));

const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };
const NOT_FOUND = { status: 404, description: 'no such customer' };
const EMAIL_TAKEN = { status: 409, description: 'another customer has this email address' };

/** Customers: registration, changes and look-ups. Reads go straight to the repository. */
@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly register: RegisterCustomerUseCase,
    private readonly update: UpdateCustomerUseCase,
    private readonly customers: CustomersRepository,
    private readonly billing: BillingSummaryRepository,
  ) {}

  @Post()
  @RequireScope('crm.customers:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a customer (publishes crm.customer-registered)' })
  @ApiZodBody(registerCustomerSchema)
  @ApiZodResponse(201, customerSchema, 'the registered customer')
  @ApiProblems(BAD_REQUEST, EMAIL_TAKEN)
  create(
    @Body(new ZodPipe(registerCustomerSchema)) body: RegisterCustomer,
    @CurrentCaller() caller: Caller,
  ): Promise<Customer> {
    return this.register.execute(body, caller.clientId);
  }

  @Get()
  @RequireScope('crm.customers:read')
  @ApiOperation({ summary: 'List customers in registration order, by segment and country' })
  @ApiZodQuery(listCustomersQuerySchema)
  @ApiZodResponse(200, customerPageSchema, 'a page of customers; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  list(@Query(new ZodPipe(listCustomersQuerySchema)) query: ListCustomersQuery): Promise<Page<Customer>> {
    return this.customers.list(query);
  }

  @Get(':id')
  @RequireScope('crm.customers:read')
  @ApiOperation({ summary: "One customer, with billing's figures for it" })
  @ApiZodResponse(
    200,
    customerProfileSchema,
    "the customer; `billing` is the current period's figures and the last invoice, as billing's events reported them up to `billing.updatedAt`",
  )
  @ApiProblems(BAD_REQUEST, NOT_FOUND)
  async get(@Param('id', customerIdParam) id: string): Promise<CustomerProfile> {
    const [customer, billing] = await Promise.all([this.customers.get(id), this.billing.find(id)]);
    if (!customer) throw new CustomerNotFoundError(id);
    return { ...customer, billing };
  }

  @Patch(':id')
  @RequireScope('crm.customers:write')
  @ApiOperation({ summary: 'Change a customer (publishes crm.customer-updated with the full record)' })
  @ApiZodBody(updateCustomerSchema)
  @ApiZodResponse(200, customerSchema, 'the customer after the change')
  @ApiProblems(BAD_REQUEST, NOT_FOUND, EMAIL_TAKEN)
  patch(
    @Param('id', customerIdParam) id: string,
    @Body(new ZodPipe(updateCustomerSchema)) body: UpdateCustomer,
    @CurrentCaller() caller: Caller,
  ): Promise<Customer> {
    return this.update.execute(id, body, caller.clientId);
  }
}
