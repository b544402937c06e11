import { Module } from '@nestjs/common';
import { KnownCustomersRepository } from '../views/known-customers.repository.ts';
import { CancelOrderUseCase } from './cancel-order.use-case.ts';
import { FollowBridgeAnswerUseCase } from './follow-bridge-answer.use-case.ts';
import { OrdersController } from './orders.controller.ts';
import { OrdersRepository } from './orders.repository.ts';
import { PlaceOrderUseCase } from './place-order.use-case.ts';

@Module({
  controllers: [OrdersController],
  providers: [
    OrdersRepository,
    KnownCustomersRepository,
    PlaceOrderUseCase,
    CancelOrderUseCase,
    FollowBridgeAnswerUseCase,
  ],
  exports: [FollowBridgeAnswerUseCase, KnownCustomersRepository],
})
export class OrdersModule {}
