import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../api.js';
import { useSession } from '../auth.js';
import { LoadFailed, Loading } from '../components/Status.js';
import { formatCredits } from '../format.js';
import { keys, useAiFeatures } from '../queries.js';
import type { AiFeatures, UsageTrends } from '../types.js';
import { AiStoppedNotice } from './ai-credits/AiStoppedNotice.js';

/** The AI modules in the order of the catalog, with the words the help page uses. */
const MODULES: readonly { id: string; label: string; description: string }[] = [
  { id: 'assistant', label: 'Assistant', description: 'Answers questions and drafts text anywhere in Loupe Factory.' },
  { id: 'reports', label: 'Reports', description: 'Writes report summaries and suggests what to include.' },
  { id: 'documents', label: 'Documents', description: 'Reads uploaded documents and extracts and summarizes their content.' },
  { id: 'inspections', label: 'Inspections', description: 'Suggests findings and fills in inspection checklists.' },
  { id: 'analytics', label: 'Analytics', description: 'Explains trends and unusual changes in your data.' },
];

function moduleLabel(id: string): string {
  return MODULES.find((module) => module.id === id)?.label ?? id.charAt(0).toUpperCase() + id.slice(1);
}

/** The current period's trends by feature, weekly (the fewest buckets): all an admin's module totals need. */
const CREDITS_BY_MODULE_QUERY = 'group_by=feature&interval=week';

/**
 * Each module's credits in the current period (admins: the whole org's), so that an admin sees what
 * switching one off saves. Undefined while loading or when they cannot be read.
 */
function useCreditsByModule(orgId: string, enabled: boolean): Map<string, number> | undefined {
  const trends = useQuery({
    queryKey: keys.usageTrends(orgId, CREDITS_BY_MODULE_QUERY),
    queryFn: () => api<UsageTrends>('GET', `/v1/orgs/${orgId}/usage/trends?${CREDITS_BY_MODULE_QUERY}`),
    enabled,
  });
  if (!trends.data) return undefined;
  return new Map(
    trends.data.series.filter((series) => series.key !== null).map((series) => [series.key!, series.points.reduce((sum, point) => sum + point.credits, 0)]),
  );
}

function creditsThisPeriod(credits: number): string {
  return credits === 0 ? 'No credits this period' : `${formatCredits(credits)} ${credits === 1 ? 'credit' : 'credits'} this period`;
}

/** Admin Settings > AI Features: one switch per AI module, saved as soon as it changes, with what each has used this period. */
export function AiFeaturesPage() {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const queryKey = keys.settings(orgId, 'ai-features');
  const features = useAiFeatures(orgId);
  const creditsByModule = useCreditsByModule(orgId, isAdmin);
  const [lastChange, setLastChange] = useState<{ module: string; on: boolean } | null>(null);
  const save = useMutation({
    mutationFn: (change: { module: string; on: boolean }) =>
      api<AiFeatures>('PUT', `/v1/orgs/${orgId}/settings/ai-features`, { modules: { [change.module]: change.on } }),
    onMutate: async (change) => {
      setLastChange(change);
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData<AiFeatures>(queryKey);
      if (previous) queryClient.setQueryData<AiFeatures>(queryKey, { modules: { ...previous.modules, [change.module]: change.on } });
      return { previous };
    },
    onError: (_error, _change, context) => {
      if (context?.previous) queryClient.setQueryData(queryKey, context.previous);
    },
    onSuccess: (data) => queryClient.setQueryData(queryKey, data),
    onSettled: () => queryClient.invalidateQueries({ queryKey }),
  });

  if (features.isPending) {
    return (
      <div className="ai-features">
        <h1>AI Features</h1>
        <Loading />
      </div>
    );
  }
  if (features.isError) {
    return (
      <div className="ai-features">
        <h1>AI Features</h1>
        <LoadFailed error={features.error} what="The AI features" />
      </div>
    );
  }

  const modules = features.data.modules;
  const known = MODULES.filter((module) => module.id in modules);
  const extra = Object.keys(modules)
    .filter((id) => !MODULES.some((module) => module.id === id))
    .map((id) => ({ id, label: moduleLabel(id), description: 'AI assistance in this module.' }));

  return (
    <div className="ai-features">
      <h1>AI Features</h1>
      <AiStoppedNotice />
      <section className="card" aria-labelledby="ai-modules-heading">
        <h2 id="ai-modules-heading">AI modules</h2>
        <p className="muted">
          Turn AI assistance off for modules where you want to reserve credits for higher-priority workflows. Changes are saved
          immediately and apply to everyone in your organization.
        </p>
        {!isAdmin && <p className="muted">Only admins can change these settings.</p>}
        <ul className="switch-list">
          {[...known, ...extra].map((module) => {
            const inputId = `ai-module-${module.id}`;
            const on = modules[module.id] ?? false;
            return (
              <li key={module.id} className="switch-item">
                <input
                  id={inputId}
                  type="checkbox"
                  role="switch"
                  className="switch"
                  checked={on}
                  aria-describedby={`${inputId}-description`}
                  disabled={!isAdmin}
                  onChange={(event) => save.mutate({ module: module.id, on: event.target.checked })}
                />
                <div className="switch-text">
                  <label htmlFor={inputId}>{module.label}</label>
                  <span id={`${inputId}-description`} className="muted">
                    {module.description}
                    {!on && <span className="module-off"> AI is stopped in {module.label} for everyone until an admin turns it back on.</span>}
                  </span>
                </div>
                {creditsByModule && (
                  <span className="module-credits" data-testid={`module-credits-${module.id}`}>
                    {creditsThisPeriod(creditsByModule.get(module.id) ?? 0)}
                  </span>
                )}
                <span className={`tag${on ? ' tag-ok' : ''}`} aria-hidden="true">
                  {on ? 'On' : 'Off'}
                </span>
              </li>
            );
          })}
        </ul>
        <p className="success switch-status" role="status">
          {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : ''}
        </p>
        {save.isError && lastChange && (
          <p className="error" role="alert">
            {moduleLabel(lastChange.module)} could not be turned {lastChange.on ? 'on' : 'off'}: {errorMessage(save.error, `modules.${lastChange.module}`)}
          </p>
        )}
      </section>
    </div>
  );
}
