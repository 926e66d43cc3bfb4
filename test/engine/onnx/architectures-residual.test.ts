// Auto-tap on real torch exports (architecture-cases.ts): the 'residual' family.
import { describeFamilies } from './architecture-cases.ts';

describeFamilies(['residual']);
