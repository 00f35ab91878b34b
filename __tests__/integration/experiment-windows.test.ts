import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { ExperimentDataError } from '../../src/domain/experiment/windows.js'
import { armPath } from '../../src/domain/experiment/windows.js'
import {
  defaultExperimentName,
  findWindowsRun,
  readArmPath,
  readLoggedModelHistories
} from '../../src/registry/experiment-windows.js'
import { CONVERSION, REVENUE } from '../harness/experiment-specs.js'
import { clientFor, pythonClientEnv, testServers, uniqueName, type TestServer } from '../harness/servers.js'

const helperFolder = resolve(import.meta.dirname, '../../examples/serving')
const conversion = CONVERSION
const revenue = REVENUE

/** Runs the serving layer's helper (examples/serving/promotion_gate_windows.py) with the server's own MLflow. */
function serve(server: TestServer, script: string): void {
  execFileSync(
    join(server.venv, 'bin', 'python'),
    ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(helperFolder)})\n${script}`],
    {
      env: { PATH: process.env.PATH, ...pythonClientEnv(server) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
}

/** The contract with the serving layer, both ends real: its helper logs windows, the gate reads and adds them up. */
describe.each(testServers())(
  'online windows logged by the serving helper, read back from %s',
  (_label, server) => {
    const client = clientFor(server.url)
    afterAll(() => client.http.close())

    it('adds up what the helper logged, window by window, for a proportion and a mean', async () => {
      const model = uniqueName('ab')
      serve(
        server,
        `from promotion_gate_windows import WindowLogger, MeanWindow
logger = WindowLogger(model=${JSON.stringify(model)}, version="3")
for window, (conversions, impressions, values) in enumerate([(12, 400, [1.0, 2.5]), (9, 350, [4.0]), (20, 500, [0.5, 0.5, 3.0])]):
    mean = MeanWindow()
    for value in values:
        mean.add(value)
    logger.log_window(window=window + 1, counts={"conversions": conversions, "impressions": impressions}, means={"revenue": mean})
# A second logger finds the same run.
WindowLogger(model=${JSON.stringify(model)}, version="3").log_window(window=4, counts={"conversions": 1, "impressions": 50})`
      )
      const runId = await findWindowsRun(client, defaultExperimentName(model), model, '3')
      const proportion = await readArmPath(client, runId, '3', conversion)
      expect(proportion.windows).toEqual([1, 2, 3, 4])
      expect(proportion.arms.map(arm => [arm.n, arm.mean])).toEqual([
        [400, 12 / 400],
        [750, 21 / 750],
        [1250, 41 / 1250],
        [1300, 42 / 1300]
      ])
      const mean = await readArmPath(client, runId, '3', revenue)
      expect(mean.windows).toEqual([1, 2, 3])
      const values = [1, 2.5, 4, 0.5, 0.5, 3]
      const average = values.reduce((a, b) => a + b, 0) / values.length
      expect(mean.arms.at(-1)?.n).toBe(6)
      expect(mean.arms.at(-1)?.mean).toBeCloseTo(average, 12)
      expect(mean.arms.at(-1)?.variance).toBeCloseTo(
        values.reduce((a, x) => a + (x - average) ** 2, 0) / 5,
        12
      )
    })

    it('refuses a window logged twice, and a version with no run, naming them', async () => {
      const model = uniqueName('ab-bad')
      serve(
        server,
        `from promotion_gate_windows import WindowLogger
logger = WindowLogger(model=${JSON.stringify(model)}, version="1")
logger.log_window(window=1, counts={"conversions": 3, "impressions": 100})
logger.log_window(window=1, counts={"conversions": 3, "impressions": 100})`
      )
      const runId = await findWindowsRun(client, defaultExperimentName(model), model, '1')
      await expect(readArmPath(client, runId, '1', conversion)).rejects.toThrow(
        `run ${runId} of v1: metric conversions has window 1 after window 1; windows must go forward, each once`
      )
      await expect(findWindowsRun(client, defaultExperimentName(model), model, '2')).rejects.toThrow(
        `${model} v2 has no run of online windows in the experiment promotion-gate/${model}`
      )
      await expect(findWindowsRun(client, 'promotion-gate/nothing-here', model, '1')).rejects.toThrow(
        ExperimentDataError
      )
    })

    it('reads windows logged to a version’s logged model with a dataset on MLflow 3, and says why not on 2.x', async () => {
      const model = uniqueName('ab-logged')
      if (server.seed.mlflow3) {
        // The serving layer logs each window with the version's model_id and the online dataset, as MLflow 3 allows.
        serve(
          server,
          `import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
client = MlflowClient()
experiment = client.create_experiment(${JSON.stringify(model)})
logged = client.create_logged_model(experiment, name="m")
client.create_registered_model(${JSON.stringify(model)})
client.create_model_version(${JSON.stringify(model)}, f"models:/{logged.model_id}", model_id=logged.model_id)
run = client.create_run(experiment)
for window, (conversions, impressions) in enumerate([(12, 400), (9, 350)]):
    client.log_batch(run.info.run_id, metrics=[
        Metric(key, float(value), 0, window + 1, model_id=logged.model_id, dataset_name="online", dataset_digest="d1")
        for key, value in (("conversions", conversions), ("impressions", impressions))
    ])
# The same keys for another dataset are not the experiment's (another timestamp: MLflow's key for a logged model's
# metric is model, name, timestamp, step and run, without the dataset).
client.log_batch(run.info.run_id, metrics=[Metric("conversions", 99.0, 1, 1, model_id=logged.model_id, dataset_name="offline", dataset_digest="d2")])`
        )
        const version = await client.getModelVersion(model, '1')
        const read = await readLoggedModelHistories(client, version, 'online', ['conversions', 'impressions'])
        expect(read.source).toMatch(/^logged model m-[0-9a-f]{32} of v1 \(dataset online\)$/)
        const path = armPath(conversion, read.histories, read.source)
        expect(path.windows).toEqual([1, 2])
        expect(path.arms.map(arm => [arm.n, arm.mean])).toEqual([
          [400, 12 / 400],
          [750, 21 / 750]
        ])
        const other = await readLoggedModelHistories(client, version, 'absent', ['conversions'])
        expect(() => armPath(conversion, other.histories, other.source)).toThrow(
          `${other.source} has no windows of metric conversions (for conversion)`
        )
      } else {
        // A 2.x server has no logged models: a version whose source claims one is refused with the reason.
        const fromRun = await client.getModelVersion(
          server.seed.models.iris.name,
          server.seed.models.iris.champion.version
        )
        await expect(readLoggedModelHistories(client, fromRun, 'online', ['conversions'])).rejects.toThrow(
          'was not registered from an MLflow 3 logged model'
        )
        await expect(
          readLoggedModelHistories(client, { ...fromRun, source: `models:/m-${'0'.repeat(32)}` }, 'online', [
            'conversions'
          ])
        ).rejects.toThrow('the server is MLflow 2.x, which has no logged models')
      }
    })

    it('the helper refuses counts the gate would refuse, before logging anything', () => {
      const model = uniqueName('ab-helper')
      expect(() =>
        serve(
          server,
          `from promotion_gate_windows import WindowLogger
WindowLogger(model=${JSON.stringify(model)}, version="1").log_window(window=1, counts={"conversions": -1})`
        )
      ).toThrow('count conversions must be a whole number, never negative')
    })
  }
)
