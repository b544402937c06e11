import type { ServiceDefinition } from '@switchboard/service';
import { callEventsRetention } from './calls/call-events-retention.ts';
import { CallsModule } from './calls/calls.module.ts';
import type { BridgeConfig } from './config.ts';
import { ReservationsModule } from './reservations/reservations.module.ts';
import { CONFERENCE_BRIDGE_HANDLERS } from './events/handlers.ts';

/** conference-bridge reserves bridge capacity for orders and reports completed calls. */
export const conferenceBridge: ServiceDefinition<BridgeConfig> = {
  name: 'conference-bridge',
  title: 'Switchboard conference-bridge',
  description:
    'Reserves ports on the conference bridges for placed orders (or says why not), frees them on cancellation, and turns the bridge call activity into completed calls.',
  migrations: new URL('../migrations/', import.meta.url),
  publishes: [
    'conference.bridge-reserved.v1',
    'conference.bridge-rejected.v1',
    'conference.call-completed.v1',
  ],
  handlers: CONFERENCE_BRIDGE_HANDLERS,
  features: [ReservationsModule, CallsModule],
  errorStatus: {
    BRIDGE_NOT_FOUND: 404,
    INVALID_RANGE: 400,
    UNKNOWN_ACCESS_CODE: 422,
    CALL_ALREADY_COMPLETED: 409,
    CDR_REJECTED: 422,
  },
  retention: (config) => [callEventsRetention(config.callEventsRetentionDays)],
};
