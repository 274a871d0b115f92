/**
 * What a test can do with either emulator, whatever it emulates: read its world, the calls it
 * recorded and its faults, and close it.
 *
 * @typeParam World the emulator's model of the service.
 * @typeParam Call one recorded request and its answer.
 * @typeParam Faults the emulator's fault injector.
 */
export interface RecordingEmulator<World, Call, Faults> {
  readonly world: World;
  readonly calls: readonly Call[];
  /** The recorded calls to one Slack method or one GitHub route. */
  callsTo(target: string): Call[];
  resetCalls(): void;
  readonly faults: Faults;
  close(): Promise<void>;
}
