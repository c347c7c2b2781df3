/**
 * The part of a logger the controller uses. Powertools' Logger fits it; the simulator
 * passes a silent one. Messages are short keys; details go in the object.
 */
export interface ControllerLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const silentLogger: ControllerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
