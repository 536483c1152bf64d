// Prints the test runner's own counts as the closing line CI reads: "N passed, N failed, N skipped".
const fs = require('node:fs');

const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.error(`no test report at ${file}: the test run did not finish`);
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// Suites that fail to load count as failures even though they ran no test.
const failed = report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
