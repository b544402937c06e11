/** The topics and consumer of the benchmark's hop, shared by its driver and its service process. */
export const PLACED = 'orders.order-placed.v1';
export const RESERVED = 'conference.bridge-reserved.v1';
export const SERVICE = 'bench-hop';
