/**
 * The part of a logger the controller uses. Powertools' Logger fits it; the simulator
 * passes a silent one. Messages are short keys; details go in the object.
 */
export interface ControllerLogger {
  debug(message: string, ...extra: object[]): void;
  info(message: string, ...extra: object[]): void;
  warn(message: string, ...extra: object[]): void;
  error(message: string, ...extra: object[]): void;
}

export const silentLogger: ControllerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
