import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccessGuard } from './access.guard.ts';
import { RateLimitGuard, throttlerOptions } from './rate-limit.guard.ts';
import { SECURITY_OPTIONS, type SecurityOptions } from './security-options.ts';

/**
 * The API's guards, in order: the bearer token and its scope first (so the caller is known), then
 * the caller's rate limit.
 */
@Module({})
export class HttpSecurityModule {
  static forRoot(options: SecurityOptions): DynamicModule {
    return {
      module: HttpSecurityModule,
      imports: [ThrottlerModule.forRoot(throttlerOptions(options.rateLimits))],
      providers: [
        { provide: SECURITY_OPTIONS, useValue: options },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
