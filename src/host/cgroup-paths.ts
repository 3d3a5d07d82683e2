// Where this process's cgroups are: the mounted hierarchies (/proc/self/mountinfo) and this
// process's own group in each (/proc/self/cgroup). Pure parsing, shared by tree and limit groups.

export interface Mount {
  dir: string;
  fstype: string;
  options: string;
}

/** The mounts of /proc/self/mountinfo: directory, filesystem type and its super options. */
export function parseMountinfo(text: string): Mount[] {
  return text
    .split('\n')
    .map((line) => {
      const [left, right] = line.split(' - ');
      const dir = left?.split(' ')[4];
      const [fstype, , options] = (right ?? '').split(' ');
      return dir && fstype ? { dir, fstype, options: options ?? '' } : undefined;
    })
    .filter((m): m is Mount => m !== undefined);
}

/** The path of this process's group in hierarchy `id` (0 for v2, or a v1 controller name). */
export function ownPath(selfCgroup: string, controller: string | undefined): string | undefined {
  for (const line of selfCgroup.split('\n')) {
    const [id, controllers, ...path] = line.split(':');
    const hit = controller === undefined ? id === '0' : (controllers ?? '').split(',').includes(controller);
    if (hit) return path.join(':');
  }
  return undefined;
}
