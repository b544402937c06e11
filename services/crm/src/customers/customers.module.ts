import { Module } from '@nestjs/common';
import { BillingSummaryModule } from '../billing-summary/billing-summary.module.ts';
import { CustomersController } from './customers.controller.ts';
import { CustomersRepository } from './customers.repository.ts';
import { RegisterCustomerUseCase } from './register-customer.use-case.ts';
import { UpdateCustomerUseCase } from './update-customer.use-case.ts';

@Module({
  imports: [BillingSummaryModule],
  controllers: [CustomersController],
  providers: [CustomersRepository, RegisterCustomerUseCase, UpdateCustomerUseCase],
  exports: [CustomersRepository],
})
export class CustomersModule {}
