// Renders a whole desired set by dispatching on kind through a registry, so other rooms can add
// renderers (supervisord programs) without touching this one.
import { TendError } from '../errors/catalogue.js';
import { keyOf, type Kind, type Resource, type ResourceOf } from '../model/index.js';
import type { RenderContext } from './context.js';
import { renderSite } from './nginx-site.js';
import { renderPool } from './php-pool.js';
import { renderSupervisordProgram } from './supervisord-program.js';
import type { Rendered } from './types.js';

export type Renderer<K extends Kind = Kind> = (resource: ResourceOf<K>, ctx: RenderContext) => Rendered;
export type RendererRegistry = Partial<{ [K in Kind]: Renderer<K> }>;

/** Native Programs own no files (the supervisor runs them); supervisord ones own a [program:x] file. */
function renderProgram(program: ResourceOf<'Program'>, ctx: RenderContext): Rendered {
  if (program.spec.backend !== 'supervisord')
    return { key: keyOf(program), files: [], links: [], outputs: {} };
  // supervisord gives every instance one environment (more than one with a port is refused), so
  // instance 0's port is the PORT.
  const port =
    typeof program.spec.port === 'number'
      ? program.spec.port
      : ctx.programPorts?.get(program.metadata.name)?.[0];
  return renderSupervisordProgram(program, ctx.layout, port !== undefined ? { port } : {});
}

export const DEFAULT_RENDERERS: Readonly<RendererRegistry> = Object.freeze({
  Site: renderSite,
  Pool: renderPool,
  Program: renderProgram,
});

/** Renders one resource; a kind without a renderer owns no files. */
export function renderOne(
  resource: Resource,
  ctx: RenderContext,
  renderers: Readonly<RendererRegistry> = DEFAULT_RENDERERS,
): Rendered {
  const renderer = renderers[resource.kind] as Renderer | undefined;
  const key = keyOf(resource);
  if (!renderer) return { key, files: [], links: [], outputs: {} };
  try {
    return renderer(resource as never, ctx);
  } catch (err) {
    // Name the resource, so that the caller can mark exactly this one Failed.
    if (err instanceof TendError && err.details.key === undefined)
      throw new TendError(err.code, `${key}: ${err.message}`, { ...err.details, key });
    throw err;
  }
}

/** Renders every resource in order; the first failure throws (callers that want per-resource
 * isolation call renderOne per resource and record each TendError against its key). */
export function renderAll(
  resources: readonly Resource[],
  ctx: RenderContext,
  renderers: Readonly<RendererRegistry> = DEFAULT_RENDERERS,
): Rendered[] {
  return resources.map((r) => renderOne(r, ctx, renderers));
}
