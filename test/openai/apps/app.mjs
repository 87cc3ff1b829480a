// An ES module app, instrumented only by `node --import @runproof/core/register`.
import OpenAI from 'openai';
import { workload } from './workload.mjs';

await workload(OpenAI);
