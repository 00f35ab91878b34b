// bottleneck's light build (no Redis clustering: what @octokit/plugin-throttling itself loads) has the main types.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
