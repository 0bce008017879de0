import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Card,
  ControlledCollapse,
  LinkButton,
  LoadingPlaceholder,
  Stack,
  Tag,
  Text,
  useStyles2,
} from '@grafana/ui';

import { getScenarios } from '../api/client';
import { Scenario, WeightedName } from '../api/types';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { useLoad } from '../hooks/useLoad';
import { prefixRoute } from '../routing';

/** The journeys of the four archetypes (DESIGN.md, "Behaviour"; docs/scenarios.md). */
export const ARCHETYPES: Array<{ name: string; title: string; journey: string }> = [
  {
    name: 'new_user',
    title: 'New user',
    journey: 'registers, creates a profile, explores the users and roles, updates the profile',
  },
  {
    name: 'active_user',
    title: 'Active user',
    journey: 'logs in, queries users, looks up roles and permissions, reads the profile, logs out',
  },
  {
    name: 'admin',
    title: 'Admin',
    journey:
      'logs in, creates, updates and deletes users, manages roles and permissions, runs bulk operations and monitoring look-ups',
  },
  {
    name: 'power_user',
    title: 'Power user',
    journey: 'logs in, runs complex searches, bulk operations and filters, over several sessions',
  },
];

function share(items: WeightedName[]): Array<{ name: string; percent: string }> {
  const total = items.reduce((sum, i) => sum + (i.weight > 0 ? i.weight : 0), 0);
  return items.map((i) => ({
    name: i.name,
    percent: total > 0 ? `${Math.round((Math.max(i.weight, 0) / total) * 100)}%` : '–',
  }));
}

function Mix({ label, items }: { label: string; items?: WeightedName[] }) {
  if (!items || items.length === 0) {
    return null;
  }
  return (
    <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
      <Text color="secondary" variant="bodySmall">
        {label}:
      </Text>
      {share(items).map((i) => (
        <Tag key={i.name} name={`${i.name} ${i.percent}`} colorIndex={5} />
      ))}
    </Stack>
  );
}

function ScenarioCard({ scenario }: { scenario: Scenario }) {
  return (
    <Card data-testid={testIds.scenarios.card(scenario.name)}>
      <Card.Heading>{scenario.name}</Card.Heading>
      <Card.Description>
        <Stack direction="column" gap={1}>
          <span>{scenario.description}</span>
          <Mix label="Archetypes" items={scenario.archetypes} />
          <Mix label="Request mix" items={scenario.mix} />
          {scenario.archetypes?.some((a) => a.journey && a.journey.length > 0) && (
            <ControlledCollapse label="Journeys" isOpen={false}>
              <ul>
                {scenario.archetypes.map(
                  (a) =>
                    a.journey &&
                    a.journey.length > 0 && (
                      <li key={a.name}>
                        <code>{a.name}</code>: {a.journey.join(' → ')}
                      </li>
                    )
                )}
              </ul>
            </ControlledCollapse>
          )}
        </Stack>
      </Card.Description>
      <Card.Actions>
        <LinkButton
          href={`${prefixRoute(ROUTES.Simulations)}?scenario=${encodeURIComponent(scenario.name)}`}
          icon="play"
          variant="secondary"
        >
          Use this scenario
        </LinkButton>
      </Card.Actions>
    </Card>
  );
}

/** Scenarios lists the engine's built-in scenarios and explains the archetypes they mix. */
export function Scenarios() {
  const styles = useStyles2(getStyles);
  const scenarios = useLoad(getScenarios, 'Loading the scenarios');
  return (
    <PluginPage>
      <Stack direction="column" gap={2}>
        <Text color="secondary">
          A scenario decides who the virtual users are (the archetypes and their shares) and what they do after their
          journey (the weighted request groups). These are the engine&apos;s built-in scenarios; the command line also
          takes scenario files in the same format.
        </Text>
        {scenarios.error && (
          <Alert severity="error" title={scenarios.error.title}>
            {scenarios.error.message}
          </Alert>
        )}
        {scenarios.loading && !scenarios.value && <LoadingPlaceholder text="Loading scenarios…" />}
        <div>
          {scenarios.value?.map((s) => (
            <ScenarioCard key={s.name} scenario={s} />
          ))}
        </div>
        <Text element="h3">Archetypes</Text>
        <ul className={styles.list}>
          {ARCHETYPES.map((a) => (
            <li key={a.name}>
              <Text weight="medium">{a.title}</Text> <code>{a.name}</code>: {a.journey}. Afterwards it keeps making
              weighted requests until it reaches its request count.
            </li>
          ))}
        </ul>
      </Stack>
    </PluginPage>
  );
}

export default Scenarios;

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    paddingLeft: theme.spacing(3),
    '& li': { marginBottom: theme.spacing(1) },
  }),
});
