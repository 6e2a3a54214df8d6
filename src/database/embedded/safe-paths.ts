import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { StartupError } from '../../common/startup-error';

/**
 * As root, a folder whose content or ancestors another user can change would let that user steer
 * what root creates, chowns or deletes (a planted symlink, a forged pointer file). Every existing
 * folder from `path` up to `/` must be owned by root and writable by nobody else — an ancestor
 * may be world-writable only with the sticky bit (as /tmp is), and then the folder below it must
 * be root's. `path` itself must not be a symbolic link.
 */
export function assertOnlyRootCanChange(path: string, setting: string): void {
  if (existsSync(path) && lstatSync(path).isSymbolicLink()) {
    throw new StartupError(
      `${setting} ${path} is a symbolic link`,
      `as root, set ${setting} to the real folder`,
    );
  }
  let existing = path;
  while (!existsSync(existing)) existing = dirname(existing);
  let at = realpathSync(existing);
  let isTarget = at === path;
  for (;;) {
    const st = lstatSync(at);
    const othersWrite = (st.mode & 0o022) !== 0;
    const sticky = (st.mode & 0o1000) !== 0;
    if (st.uid !== 0 || (othersWrite && (isTarget || !sticky))) {
      throw new StartupError(
        `${setting} ${path} is not safe for root: ${at} can be changed by another user (owner uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`,
        `as root, set ${setting} to a folder only root can change (e.g. under /var/lib), or run the service as an ordinary user`,
      );
    }
    if (at === '/') return;
    at = dirname(at);
    isTarget = false;
  }
}

/** Refuses a symbolic link where the launcher will create, chown or delete. */
export function assertNoSymlink(path: string): void {
  if (existsSync(path) && lstatSync(path).isSymbolicLink()) {
    throw new StartupError(
      `${path} is a symbolic link`,
      'remove it: the database folder must be a real folder',
    );
  }
}
