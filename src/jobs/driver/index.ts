export { CoordinatorDriver } from './driver.ts'
export type { CoordinatorDriverComponents } from './driver.ts'
export type { CachePort, DriverPorts, ExecutionReport, ExecutorPort, JobSourcePort, OutcomePort, Pending, PortOptions, TransportPort } from './ports.ts'
