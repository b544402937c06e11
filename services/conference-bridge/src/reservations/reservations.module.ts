import { Module } from '@nestjs/common';
import { ReservationsController } from './reservations.controller.ts';
import { ReservationsRepository } from './reservations.repository.ts';
import { ReserveBridgeUseCase } from './reserve-bridge.use-case.ts';

@Module({
  controllers: [ReservationsController],
  providers: [ReservationsRepository, ReserveBridgeUseCase],
  exports: [ReservationsRepository, ReserveBridgeUseCase],
})
export class ReservationsModule {}
