/**
 * Where MLflow might really be, when the tracking URI answers its API with a 404 that is not MLflow's: the URI as
 * given, its origin (a path that should not be there), and the origin under `/mlflow` (the usual prefix of a proxy
 * that serves MLflow beside other tools). Each is asked for MLflow's `/version`.
 */
export function candidateRoots(baseUrl: string): string[] {
  const url = new URL(baseUrl)
  const origin = url.origin
  return [...new Set([baseUrl.replace(/\/+$/, ''), origin, `${origin}/mlflow`])]
}

export interface ProbeAnswer {
  root: string
  /** The version MLflow gave, or undefined when the answer was not MLflow's. */
  version?: string
  status: number | string
}

/** `MLflow 3.17.2` (or `3.17.2.dev0`) as `/version` answers it; anything else (an HTML page, a JSON body) is not. */
export function mlflowVersion(status: number, body: string): string | undefined {
  const text = body.trim()
  return status === 200 && /^\d+\.\d+\.\d+[\w.+-]*$/.test(text) ? text : undefined
}

/** The advice for a tracking URI whose path looks wrong, from what each candidate root answered. */
export function describeProbes(baseUrl: string, answers: ProbeAnswer[]): string {
  const tried = answers
    .map(
      answer =>
        `${answer.root}/version → ${answer.version !== undefined ? `MLflow ${answer.version}` : `${answer.status}`}`
    )
    .join('; ')
  const given = new URL(baseUrl)
  const found = answers.find(
    answer => answer.version !== undefined && answer.root !== baseUrl.replace(/\/+$/, '')
  )
  if (found !== undefined) {
    return `The tracking URI's path ${given.pathname === '/' ? '(none)' : given.pathname} looks wrong: MLflow answers at ${found.root}; use that as the tracking URI. Tried: ${tried}.`
  }
  if (answers[0]?.version !== undefined) {
    return `MLflow answers at ${answers[0].root} but not this API: a proxy in front of it may not pass /api/ paths through. Tried: ${tried}.`
  }
  return `No MLflow server answers at the tracking URI or near it: give the URL MLflow's UI is served at (with its path prefix, if a proxy adds one). Tried: ${tried}.`
}
