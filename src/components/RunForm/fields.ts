import { Limits, RunField } from '../../api/types';
import { LoadModel } from './validation';

export interface InputSpec {
  field: Exclude<RunField, 'scenario' | 'baseUrl'>;
  label: string;
  description: string;
  /** Absent: a text input (stages and rates are typed as the CLI spells them). */
  min?: number;
  max?: number;
  /** Number inputs take whole numbers unless set ("any"). */
  step?: number | 'any';
  placeholder?: string;
}

export const LOAD_MODELS: Array<{ value: LoadModel; label: string; description: string }> = [
  { value: 'users', label: 'Fixed users', description: 'Closed model: a fixed number of VUs, optionally ramped up' },
  { value: 'stages', label: 'VU stages', description: 'Closed model: the number of VUs follows stages over time' },
  {
    value: 'rate',
    label: 'Arrival rate',
    description: 'Open model: sessions start at a rate, whatever the target does',
  },
];

/** runFields are the form's inputs: those of each load model, the request cap, and the rest. */
export function runFields(limits: Pick<Limits, 'maxUsers'>) {
  const users: InputSpec = {
    field: 'users',
    label: 'Virtual users',
    description: `Concurrent simulated users, 1 to ${limits.maxUsers} (the app's limit).`,
    min: 1,
    max: limits.maxUsers,
  };
  const loadFields: Record<LoadModel, InputSpec[]> = {
    users: [
      users,
      {
        field: 'rampUpSeconds',
        label: 'Ramp-up (seconds)',
        description: 'Start the users spread evenly over this time, e.g. 30; 0 starts them all at once.',
        min: 0,
      },
    ],
    stages: [
      {
        field: 'stages',
        label: 'Stages',
        description: `DURATION:VUS targets reached by linear ramps from 0, e.g. 30s:100,1m:500,30s:0 (durations like 30s, 1m, 1m30s). The run ends with the last stage; its VUs are the largest target, at most ${limits.maxUsers}.`,
        placeholder: '30s:100,1m:500,30s:0',
      },
    ],
    rate: [
      {
        field: 'rate',
        label: 'Rate',
        description:
          'Sessions started per second or minute, e.g. 300/s or 90/m (a bare number is per second). A constant rate needs a duration.',
        placeholder: '300/s',
      },
      {
        field: 'rateStages',
        label: 'Rate stages',
        description:
          'Optional DURATION:RATE targets ramping from the rate (or 0), e.g. 30s:10/s,1m:100/s; the arrivals end with the last stage.',
        placeholder: '30s:10/s,1m:100/s',
      },
      { ...users, description: `VUs for the arrivals when Max VUs is 0, 1 to ${limits.maxUsers}, e.g. 100.` },
      {
        field: 'maxVus',
        label: 'Max VUs',
        description: `The pre-allocated VU pool, up to ${limits.maxUsers}, e.g. 200; 0 uses Virtual users. An arrival that finds no free VU is dropped.`,
        min: 0,
        max: limits.maxUsers,
      },
    ],
  };
  const maxRps: InputSpec = {
    field: 'maxRps',
    label: 'Max requests/s',
    description: "Cap on the whole run's requests per second, e.g. 50 or 12.5; 0 is no cap.",
    min: 0,
    step: 'any',
  };

  const numberFields: InputSpec[] = [
    {
      field: 'durationSeconds',
      label: 'Duration (seconds)',
      description: 'Time limit of the run; 0 runs until every user has made its requests (a constant rate needs one).',
      min: 0,
    },
    {
      field: 'minRequestCount',
      label: 'Min requests per user',
      description: 'Each user makes a number of requests drawn between min and max.',
      min: 1,
    },
    { field: 'maxRequestCount', label: 'Max requests per user', description: 'At least the minimum.', min: 1 },
    {
      field: 'delayMinMs',
      label: 'Think time min (ms)',
      description: "Shortest pause between a user's requests.",
      min: 0,
    },
    { field: 'delayMaxMs', label: 'Think time max (ms)', description: 'Longest pause; at least the minimum.', min: 0 },
    {
      field: 'seed',
      label: 'Seed',
      description: 'Same seed and target give the same journeys; 0 lets the engine pick one (shown on the run).',
      min: 0,
    },
  ];

  return { loadFields, maxRps, numberFields };
}
