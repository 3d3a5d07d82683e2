// The scoped nginx config for a pre-check: tend's real main config (its http context: maps,
// fastcgi params, temp paths, the default server) with the include of every vhost replaced by
// includes of just the changed vhost files. `nginx -t` over it parses a handful of server blocks
// instead of 1,000; what only the whole set can break (cross-vhost conflicts, foreign files) is
// left to the model's rules and to the master itself on HUP (see decision 0023).
import { isSafePath } from '../health/manager.js';

/**
 * The main config with `include <includeDir>/*.conf;` replaced by one include per changed file, or
 * undefined when that line is not there (a config tend does not render) or a path is unsafe to
 * write into a config: the caller then runs the full `nginx -t`.
 */
export function scopedNginxConfig(
  mainConfig: string,
  includeDir: string,
  changedFiles: readonly string[],
): string | undefined {
  const line = `    include ${includeDir}/*.conf;`;
  const lines = mainConfig.split('\n');
  const at = lines.indexOf(line);
  if (at < 0 || lines.indexOf(line, at + 1) >= 0) return undefined;
  if (!changedFiles.every((f) => isSafePath(f) && f.startsWith(`${includeDir}/`) && f.endsWith('.conf')))
    return undefined;
  const includes = [...new Set(changedFiles)].sort().map((f) => `    include ${f};`);
  return [...lines.slice(0, at), ...includes, ...lines.slice(at + 1)].join('\n');
}
