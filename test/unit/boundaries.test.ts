import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkBoundaries, type BoundaryViolation } from '../support/lint-boundaries.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');

/**
 * A small project with the repository's own rule set, tsconfig and installed packages: each case
 * adds files to it and reads what the check reports.
 */
function fixture(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-boundaries-'));
  fs.copyFileSync(path.join(REPO, '.dependency-cruiser.cjs'), path.join(root, '.dependency-cruiser.cjs'));
  fs.writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true }, include: ['server', 'workers', 'schemas'] }),
  );
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'boundaries-fixture', private: true, type: 'module' }));
  // Engine imports must resolve to the real packages, as they do in the repository.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const base: Record<string, string> = {
    'schemas/policy.schema.ts': 'export interface Policy { id: string }\n',
    'server/ports/image-processor.port.ts': "import type { Policy } from '../../schemas/policy.schema.js';\nexport interface ImageProcessor { render(policy: Policy): Promise<Buffer> }\n",
    'server/adapters/sharp/sharp.image-processor.ts':
      "import sharp from 'sharp';\nimport type { ImageProcessor } from '../../ports/image-processor.port.js';\nexport const processor: ImageProcessor = { render: async () => sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer() };\n",
    'server/adapters/adapter-factory.ts': "import { processor } from './sharp/sharp.image-processor.js';\nexport const createImageProcessor = () => processor;\n",
    'server/services/card.service.ts': "import type { ImageProcessor } from '../ports/image-processor.port.js';\nexport const card = (images: ImageProcessor) => images.render({ id: 'p' });\n",
    'server/platform.ts': "import { createImageProcessor } from './adapters/adapter-factory.js';\nimport { card } from './services/card.service.js';\nexport const open = () => card(createImageProcessor());\n",
    'server/http/route.ts': 'export const defineRoute = (path: string) => ({ path });\n',
    'workers/card.worker.ts': "export const every = (ms: number) => ms;\n",
  };
  for (const [file, text] of Object.entries({ ...base, ...files })) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('import boundaries (.dependency-cruiser.cjs)', function () {
  // A cruise resolves through the TypeScript compiler: seconds, more on a busy machine.
  this.timeout(120_000);
  const roots: string[] = [];
  const check = async (files: Record<string, string>): Promise<BoundaryViolation[]> => {
    const root = fixture(files);
    roots.push(root);
    return (await checkBoundaries({ root })).violations;
  };
  after(() => {
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it('accepts ports, an adapter behind the factory and a root that wires them', async () => {
    expect(await check({})).to.deep.equal([]);
  });

  it('refuses an engine package imported outside its adapter folder', async () => {
    const violations = await check({ 'server/services/thumbnail.service.ts': "import sharp from 'sharp';\nexport const thumb = (b: Buffer) => sharp(b).resize(10).toBuffer();\n" });
    expect(violations.map((v) => [v.rule, v.from])).to.deep.equal([['engine-sharp-outside-adapter', 'server/services/thumbnail.service.ts']]);
  });

  it('refuses a type-only engine import too, and a mail engine in feature code', async () => {
    const violations = await check({ 'server/push/mailer.ts': "import type { Transporter } from 'nodemailer';\nexport type Mailer = Transporter;\n" });
    expect(violations.map((v) => v.rule)).to.deep.equal(['engine-nodemailer-outside-adapter']);
  });

  it('refuses upward imports: services to http, ports to adapters, schemas to server', async () => {
    const violations = await check({
      'server/services/upward.service.ts': "import { defineRoute } from '../http/route.js';\nexport const r = defineRoute('/x');\n",
      'server/ports/leaky.port.ts': "import type { processor } from '../adapters/sharp/sharp.image-processor.js';\nexport type Leaky = typeof processor;\n",
      'schemas/leaky.schema.ts': "import type { Leaky } from '../server/ports/leaky.port.js';\nexport type Shape = Leaky;\n",
    });
    expect(violations.map((v) => [v.rule, v.from]).sort()).to.deep.equal(
      [
        ['adapters-only-through-the-factory', 'server/ports/leaky.port.ts'],
        ['ports-only-describe', 'server/ports/leaky.port.ts'],
        ['schemas-know-no-server', 'schemas/leaky.schema.ts'],
        ['services-not-to-delivery-mechanisms', 'server/services/upward.service.ts'],
      ].sort(),
    );
  });

  it('refuses feature code that reaches an adapter, or the root building one itself', async () => {
    const violations = await check({
      'server/interpretation/direct.ts': "import { processor } from '../adapters/sharp/sharp.image-processor.js';\nexport const p = processor;\n",
      'server/platform.ts': "import { processor } from './adapters/sharp/sharp.image-processor.js';\nexport const open = () => processor;\n",
    });
    expect(violations.map((v) => [v.rule, v.from]).sort()).to.deep.equal(
      [
        ['adapters-only-through-the-factory', 'server/interpretation/direct.ts'],
        ['root-reaches-adapters-through-the-factory', 'server/platform.ts'],
      ].sort(),
    );
  });

  it('refuses a cycle between modules, but not a back-reference that is only a type', async () => {
    const violations = await check({
      'server/matching/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
      'server/matching/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a ? 1 : 0);\n",
      'server/matching/list.ts': "import { item } from './item.js';\nexport interface Item { id: number }\nexport const LIST: Item[] = [item];\n",
      'server/matching/item.ts': "import type { Item } from './list.js';\nexport const item: Item = { id: 1 };\n",
    });
    // Reported once, from the module the cycle was entered by; list.ts and item.ts do not appear.
    expect(violations.map((v) => [v.rule, [v.from, v.to].sort()])).to.deep.equal([['no-circular', ['server/matching/a.ts', 'server/matching/b.ts']]]);
  });
});
