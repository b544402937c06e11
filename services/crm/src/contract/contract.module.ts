import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.ts';
import { ChangeContractRatesUseCase } from './change-contract-rates.use-case.ts';
import { ContractController } from './contract.controller.ts';
import { ContractRepository } from './contract.repository.ts';

@Module({
  imports: [CustomersModule],
  controllers: [ContractController],
  providers: [ContractRepository, ChangeContractRatesUseCase],
})
export class ContractModule {}
