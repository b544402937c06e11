import { Module } from '@nestjs/common';
import { HealthModule } from '@switchboard/observability';

@Module({
  imports: [HealthModule.forRoot()],
})
export class AppModule {}
