import { Module } from '@nestjs/common';
import { ReservationsModule } from '../reservations/reservations.module.ts';
import { CallCompletion } from './call-completion.ts';
import { CallsController } from './calls.controller.ts';
import { CallsRepository } from './calls.repository.ts';
import { OpenCallsSweeper } from './open-calls.sweeper.ts';
import { RecordCallActivityUseCase } from './record-call-activity.use-case.ts';

@Module({
  imports: [ReservationsModule],
  controllers: [CallsController],
  providers: [CallsRepository, CallCompletion, RecordCallActivityUseCase, OpenCallsSweeper],
})
export class CallsModule {}
