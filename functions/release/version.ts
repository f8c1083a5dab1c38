import { InvalidInputError } from './errors.js';

// Seed: versions are semver plus the git short SHA, e.g. 1.0.0-fe220c2 (BRIEF.md, "Source control").
// SemVer 2.0.0 numeric identifiers have no leading zeros; the SHA is 7–40 lower-case hex digits.
const VERSION =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)-(?:((?:[0-9A-Za-z-]+\.)*[0-9A-Za-z-]+?)-)?([0-9a-f]{7,40})$/;

/**
 * Checks a release version `<major>.<minor>.<patch>[-<pre-release>]-<git sha>` (seed: `1.0.0-fe220c2`)
 * that must also fit a Kubernetes label value (≤ 63 chars). Returns it; throws InvalidInputError.
 */
export function parseReleaseVersion(input: string): string {
  const version = input.trim();
  if (!VERSION.test(version)) {
    throw new InvalidInputError(
      `version "${input}" must be semver plus the git short SHA, like 1.4.0-fe220c2 or 2.0.0-rc.1-fe220c2`,
    );
  }
  if (version.length > 63) {
    throw new InvalidInputError(
      `version "${input}" is ${version.length} characters; labels allow at most 63, so shorten the pre-release part, like 1.4.0-rc.1-fe220c2`,
    );
  }
  return version;
}
