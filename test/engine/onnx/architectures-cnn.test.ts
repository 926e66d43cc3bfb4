// Auto-tap on real torch exports (architecture-cases.ts): the 'plain', 'dense' families.
import { describeFamilies } from './architecture-cases.ts';

describeFamilies(['plain', 'dense']);
