// Download progress as the engine reports it: bytes done of the total, with a rate and an ETA over a
// recent window, counting bytes resumed from a .part as done but not toward the rate. A server that
// does not say the size (GitHub's archives) gets a rate but no ETA rather than a made-up one.
import type { Progress } from '../../contract/protocol.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';

export function downloadProgress(report: (p: Progress) => void, phase = 'download'): (done: number, total: number | null) => void {
  let meter: ProgressMeter | null = null;
  let last = 0;
  return (done, total) => {
    if (!meter) {
      const unsized = ({ etaSeconds: _eta, ...rest }: Progress) => report(rest);
      meter = new ProgressMeter(phase, total ?? 0, total === null ? unsized : report, 'bytes');
      meter.resumeAt(done);
    } else {
      meter.tick(done - last);
    }
    last = done;
  };
}
