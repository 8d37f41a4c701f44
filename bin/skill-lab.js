#!/usr/bin/env node
// The skill-lab command line. Sources are TypeScript, run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../main/cli/index.ts');
