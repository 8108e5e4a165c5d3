// Public edge of the Graph emulator (test support).
//
// Trusting the emulator's CA: seatsync itself trusts extra CAs through NODE_EXTRA_CA_CERTS, which Node reads
// once, when the process starts. A test that starts the emulator inside its own process is too late for
// that, so `trustEmulatorCa` adds the CA to the process's default trust store with
// `tls.setDefaultCACertificates` (Node ≥ 22.19 / 24.5). Both HTTP stacks in play pick it up unchanged: the
// global fetch (undici) the Graph client uses, and node:https under @azure/identity. Nothing is mocked and
// no agent is swapped. A child process started with NODE_EXTRA_CA_CERTS=`emulator.tls.caPath` trusts
// it the production way.
import tls from 'node:tls';

export { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from './server.ts';
export { GraphDirectory, type Json, type UserInit } from './directory.ts';
export type { FaultSettings, InjectedFault, RequestRecord } from './faults.ts';
export type { SentMail } from './mail-endpoint.ts';
export type { AppRegistration } from './auth-endpoints.ts';
export { createClientCertificate, createEmulatorTls, type ClientCertificate, type EmulatorTls } from './tls.ts';

const trusted = new Set<string>();

/** Adds a CA certificate (PEM) to this process's default trust store, once. */
export function trustEmulatorCa(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
}
