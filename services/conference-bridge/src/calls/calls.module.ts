import { Module } from '@nestjs/common';
import { ReservationsModule } from '../reservations/reservations.module.ts';
import { CallsController } from './calls.controller.ts';
import { CallsRepository } from './calls.repository.ts';
import { RecordCallActivityUseCase } from './record-call-activity.use-case.ts';

@Module({
  imports: [ReservationsModule],
  controllers: [CallsController],
  providers: [CallsRepository, RecordCallActivityUseCase],
})
export class CallsModule {}
