// Debian packages the test harness needs (PostgreSQL, nginx), installed when missing and the harness runs as root.
import { execFileSync } from 'node:child_process'

/**
 * Installs Debian packages with apt-get, or says how when not root. Waits up to two minutes for the dpkg lock,
 * so two test runs starting at once on a fresh machine install one after the other instead of failing.
 */
export function aptInstall(packages, what) {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${what} is not installed: install Debian's ${packages.join(' ')} (sudo apt-get install ${packages.join(' ')}), then run again.`
    )
  }
  console.log(`[test harness] installing ${what} (Debian package ${packages.join(', ')})`)
  execFileSync(
    'apt-get',
    ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', ...packages],
    { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }
  )
}
