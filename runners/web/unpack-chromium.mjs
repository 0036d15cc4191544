// Unpacks the Chromium build shipped in @sparticuz/chromium (brotli files in
// node_modules/@sparticuz/chromium/bin) into .browsers/chromium-<version>/:
// the binary plus SwiftShader's libraries beside it. Node's zlib does the
// brotli; `tar` (on every Linux runner) unpacks the archives. Idempotent: a
// .complete stamp with the version says it is done.
//
//   node unpack-chromium.mjs            (from runners/web; run by scripts/install-browsers.sh)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.join(here, 'node_modules', '@sparticuz', 'chromium');
const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const out = path.join(here, '.browsers', `chromium-${version}`);
const stamp = path.join(out, '.complete');

if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === version) {
  console.log(`webnn chromium ${version}: already unpacked in ${out}`);
  process.exit(0);
}
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

function inflate(name) {
  return zlib.brotliDecompressSync(fs.readFileSync(path.join(pkgDir, 'bin', name)));
}

const binary = path.join(out, 'chromium');
fs.writeFileSync(binary + '.tmp', inflate('chromium.br'), { mode: 0o755 });
fs.renameSync(binary + '.tmp', binary);
for (const archive of ['swiftshader.tar.br']) {
  const tar = path.join(out, archive.replace(/\.br$/, ''));
  fs.writeFileSync(tar, inflate(archive));
  execFileSync('tar', ['-xf', tar, '-C', out]);
  fs.rmSync(tar);
}
fs.writeFileSync(stamp, version + '\n');
console.log(`webnn chromium ${version}: unpacked into ${out}`);
