import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodQuery,
  ApiZodResponse,
  type Caller,
  CurrentCaller,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import { CONFIG } from '@switchboard/service';
import { z } from 'zod';
import type { BridgeConfig } from '../config.ts';
import {
  type BridgeView,
  bridgeSchema,
  type ListReservationsQuery,
  listReservationsQuerySchema,
  type Reservation,
  reservationPageSchema,
} from './dto/reservation.dto.ts';
import { BridgeNotFoundError, InvalidRangeError } from './reservations.errors.ts';
import { ReservationsRepository } from './reservations.repository.ts';

/** The bridges and the reservations on them. Reads go straight to the repository. */
@ApiTags('bridges')
@Controller('v1')
export class ReservationsController {
  constructor(
    @Inject(CONFIG) private readonly config: BridgeConfig,
    private readonly reservations: ReservationsRepository,
  ) {}

  @Get('bridges/:id')
  @RequireScope('bridge.reservations:read')
  @ApiOperation({ summary: 'A bridge: its dial-in number, ports and how busy it is' })
  @ApiZodResponse(200, bridgeSchema, 'the bridge')
  @ApiProblems({ status: 404, description: 'no such bridge' })
  async bridge(@Param('id', new ZodPipe(z.string().min(1).max(40))) id: string): Promise<BridgeView> {
    const bridge = this.config.bridges.find((b) => b.id === id);
    if (!bridge) throw new BridgeNotFoundError(id);
    const usage = await this.reservations.usage(id, Date.now());
    return { ...bridge, portsInUseNow: usage.inUse, upcomingReservations: usage.upcoming };
  }

  @Get('reservations')
  @RequireScope('bridge.reservations:read')
  @ApiOperation({ summary: 'Reservations overlapping [from, to), by start time (released ones too)' })
  @ApiZodQuery(listReservationsQuerySchema)
  @ApiZodResponse(
    200,
    reservationPageSchema,
    'a page of reservations; pass nextCursor as cursor for the next. Access codes only with bridge.access-codes:read',
  )
  @ApiProblems({ status: 400, description: 'invalid request; `errors` names each bad field' })
  async list(
    @Query(new ZodPipe(listReservationsQuerySchema)) query: ListReservationsQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<Reservation>> {
    if (Date.parse(query.to) <= Date.parse(query.from)) throw new InvalidRangeError();
    const page = await this.reservations.list(query);
    // Access codes let anyone into a conference: a secret of its own scope, never in a list without it.
    if (caller.scopes.has('bridge.access-codes:read')) return page;
    return { ...page, items: page.items.map(({ accessCode: _secret, ...reservation }) => reservation) };
  }
}
