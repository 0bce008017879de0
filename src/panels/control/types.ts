/** Options of the Simulation control panel (set in the panel editor). */
export interface ControlOptions {
  /** Scenario to start; empty: the app's default. */
  scenario: string;
  /** Virtual users to start; 0: the app's default. */
  users: number;
  /** Time limit in seconds; 0: until every user is done. */
  durationSeconds: number;
  /** Show the run's recent requests below the stats. */
  showRecent: boolean;
}

export const defaultControlOptions: ControlOptions = {
  scenario: '',
  users: 0,
  durationSeconds: 300,
  showRecent: false,
};
