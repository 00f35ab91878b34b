// The relay as a serverless function: any platform that calls a Web-standard `fetch(request)` handler (Deno Deploy,
// Vercel and Netlify functions, Bun, Cloudflare Workers with nodejs_compat). Set MLFLOW_WEBHOOK_SECRET,
// GITHUB_TOKEN (contents: write) and GITHUB_REPOSITORY in the platform's secrets; a missing one fails at start.
//
// Replay protection remembers delivery ids per instance: a platform that runs several instances may let a replay
// of a delivery less than 5 minutes old through to another instance, which dispatches it again (the evaluate or
// audit it starts changes nothing the second time). Run the relay as one process (the .service file) to rule it out.
import { relayHandlerFromEnv } from 'mlflow-promotion-gate/relay'

const handler = relayHandlerFromEnv(process.env, {
  // The mapping file's settings, inline: see mlflow-relay.yml.
  config: { audit: { production_aliases: ['champion'] } }
})

export default { fetch: handler }
