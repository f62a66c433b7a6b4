// What the browser drivers share: the job the test hands them as JSON on stdin, and, for those
// whose job is a list of visits, one headless Chromium running each visit in turn with what every
// visit saw printed together as JSON on stdout.
"use strict";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** Reads {playwright, chromium, visits, ...} and prints [visit(browser, job, step) for each]. */
async function runVisits(visit) {
  const job = await readStdin();
  const { chromium } = require(job.playwright);
  const browser = await chromium.launch({ executablePath: job.chromium, args: ["--no-sandbox"] });
  const seen = [];
  try {
    for (const step of job.visits) seen.push(await visit(browser, job, step));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(seen));
}

module.exports = { readStdin, runVisits };
