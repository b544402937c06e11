import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  answerIdempotent,
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  type Caller,
  CurrentCaller,
  IdempotencyKey,
  IdempotentCommand,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import type { Response } from 'express';
import { z } from 'zod';
import { CancelOrderUseCase } from './cancel-order.use-case.ts';
import {
  type CancelOrder,
  cancelOrderSchema,
  type ListOrdersQuery,
  listOrdersQuerySchema,
  type Order,
  orderPageSchema,
  orderSchema,
  type PlaceOrder,
  placeOrderSchema,
} from './dto/order.dto.ts';
import { OrderNotFoundError } from './orders.errors.ts';
import { OrdersRepository } from './orders.repository.ts';
import { PlaceOrderUseCase } from './place-order.use-case.ts';

const orderIdParam = new ZodPipe(z.uuid('must be a UUID'));
const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };
const NOT_FOUND = { status: 404, description: 'no such order' };

/** Conference bookings. Reads go straight to the repository. */
@ApiTags('orders')
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly place: PlaceOrderUseCase,
    private readonly cancelOrder: CancelOrderUseCase,
    private readonly orders: OrdersRepository,
  ) {}

  @Post()
  @RequireScope('orders:write')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Book a conference (publishes orders.order-placed); the bridge confirms or rejects it shortly',
  })
  @IdempotentCommand('order', 202)
  @ApiZodBody(placeOrderSchema)
  @ApiZodResponse(
    202,
    orderSchema,
    'the order, PENDING until the bridge answers (or as it is now, on a retry)',
  )
  @ApiProblems(BAD_REQUEST, { status: 422, description: 'unknown customer' })
  async create(
    @IdempotencyKey('order') key: string,
    @Body(new ZodPipe(placeOrderSchema)) body: PlaceOrder,
    @Res({ passthrough: true }) response: Response,
    @CurrentCaller() caller: Caller,
  ): Promise<Order> {
    const outcome = await this.place.execute(key, body, caller.clientId);
    return answerIdempotent(response, outcome, (order) => `/v1/orders/${order.id}`);
  }

  @Get()
  @RequireScope('orders:read')
  @ApiOperation({ summary: 'List orders in placement order, by customer and status' })
  @ApiZodQuery(listOrdersQuerySchema)
  @ApiZodResponse(200, orderPageSchema, 'a page of orders; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  async list(
    @Query(new ZodPipe(listOrdersQuerySchema)) query: ListOrdersQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<Order>> {
    const page = await this.orders.list(query);
    return { ...page, items: page.items.map((order) => visibleTo(caller, order)) };
  }

  @Get(':id')
  @RequireScope('orders:read')
  @ApiOperation({
    summary:
      'One order: its status and, once confirmed, the dial-in number and (with orders.access-codes:read) the access code',
  })
  @ApiZodResponse(200, orderSchema, 'the order')
  @ApiProblems(BAD_REQUEST, NOT_FOUND)
  async get(@Param('id', orderIdParam) id: string, @CurrentCaller() caller: Caller): Promise<Order> {
    const order = await this.orders.get(id);
    if (!order) throw new OrderNotFoundError(id);
    return visibleTo(caller, order);
  }

  @Post(':id/cancel')
  @RequireScope('orders:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an order (publishes orders.order-cancelled; the bridge frees the slot)' })
  @ApiZodBody(cancelOrderSchema)
  @ApiZodResponse(200, orderSchema, 'the cancelled order')
  @ApiProblems(BAD_REQUEST, NOT_FOUND, { status: 409, description: 'the order was rejected' })
  async cancel(
    @Param('id', orderIdParam) id: string,
    @Body(new ZodPipe(cancelOrderSchema)) body: CancelOrder,
    @CurrentCaller() caller: Caller,
  ): Promise<Order> {
    return visibleTo(caller, await this.cancelOrder.execute(id, body.reason, caller.clientId));
  }
}

/** An access code lets anyone into the conference: only callers with its own scope see it. */
function visibleTo(caller: Caller, order: Order): Order {
  if (!order.dialIn || caller.scopes.has('orders.access-codes:read')) return order;
  const { accessCode: _secret, ...dialIn } = order.dialIn;
  return { ...order, dialIn };
}
