;; The float64 merge of a group of images into a category's running (mean, M2), for the exact extraction
;; (sufficient-stats.ts drives it tile by tile; docs/extraction.md has the measurements). Two units per
;; SIMD step, so a group of G images costs G loads and one read and write of the float64 state per unit,
;; against G passes over it one image at a time.
;;
;; The arithmetic is sufficient-stats.ts's, operation for operation (WebAssembly has no fused multiply-add,
;; so every product and sum rounds as it does in JavaScript), which keeps the result bit for bit the same
;; as the plain-JavaScript reference the tests hold it to:
;;   d = x - mean (per image, in float64);  a = sum d;  q = sum d*d;  db = a / nb
;;   mean' = mean + db * wb;  M2' = (M2 + (q - a * db)) + (db * db) * cross
;; with wb = nb / (n + nb) and cross = n * nb / (n + nb).
;;
;; Rebuild the embedded binary (sufficient-stats-kernel.ts) after editing: npm run build:wasm
(module
  (memory (export "memory") 4)
  ;; `nb` rows of float32 activations (`stride` bytes apart, starting at `rows`) of `len` units, merged into
  ;; float64 `mean` and `m2` (`len` values each) of a category that already holds n > 0 images.
  (func (export "merge")
        (param $rows i32) (param $stride i32) (param $len i32) (param $nb i32)
        (param $mean i32) (param $m2 i32) (param $wb f64) (param $cross f64)
    (local $u i32) (local $b i32) (local $p i32) (local $pairs i32)
    (local $shift v128) (local $a v128) (local $q v128) (local $d v128) (local $db v128)
    (local $nbv v128) (local $wbv v128) (local $crossv v128)
    (local $sshift f64) (local $sa f64) (local $sq f64) (local $sd f64) (local $sdb f64) (local $nbf f64)
    (local.set $nbf (f64.convert_i32_u (local.get $nb)))
    (local.set $nbv (f64x2.splat (local.get $nbf)))
    (local.set $wbv (f64x2.splat (local.get $wb)))
    (local.set $crossv (f64x2.splat (local.get $cross)))
    (local.set $pairs (i32.and (local.get $len) (i32.const -2)))
    ;; Two units at a time.
    (block $done
      (loop $units
        (br_if $done (i32.ge_u (local.get $u) (local.get $pairs)))
        (local.set $shift (v128.load (i32.add (local.get $mean) (i32.shl (local.get $u) (i32.const 3)))))
        (local.set $a (v128.const f64x2 0 0))
        (local.set $q (v128.const f64x2 0 0))
        (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $u) (i32.const 2))))
        (local.set $b (local.get $nb))
        (loop $images
          (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $shift)))
          (local.set $a (f64x2.add (local.get $a) (local.get $d)))
          (local.set $q (f64x2.add (local.get $q) (f64x2.mul (local.get $d) (local.get $d))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br_if $images (local.get $b)))
        (local.set $db (f64x2.div (local.get $a) (local.get $nbv)))
        (v128.store (i32.add (local.get $mean) (i32.shl (local.get $u) (i32.const 3)))
          (f64x2.add (local.get $shift) (f64x2.mul (local.get $db) (local.get $wbv))))
        (v128.store (i32.add (local.get $m2) (i32.shl (local.get $u) (i32.const 3)))
          (f64x2.add
            (f64x2.add (v128.load (i32.add (local.get $m2) (i32.shl (local.get $u) (i32.const 3))))
                       (f64x2.sub (local.get $q) (f64x2.mul (local.get $a) (local.get $db))))
            (f64x2.mul (f64x2.mul (local.get $db) (local.get $db)) (local.get $crossv))))
        (local.set $u (i32.add (local.get $u) (i32.const 2)))
        (br $units)))
    ;; An odd last unit, the same arithmetic in scalar form.
    (if (i32.lt_u (local.get $u) (local.get $len))
      (then
        (local.set $sshift (f64.load (i32.add (local.get $mean) (i32.shl (local.get $u) (i32.const 3)))))
        (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $u) (i32.const 2))))
        (local.set $b (local.get $nb))
        (loop $tail
          (local.set $sd (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $sshift)))
          (local.set $sa (f64.add (local.get $sa) (local.get $sd)))
          (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $sd) (local.get $sd))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br_if $tail (local.get $b)))
        (local.set $sdb (f64.div (local.get $sa) (local.get $nbf)))
        (f64.store (i32.add (local.get $mean) (i32.shl (local.get $u) (i32.const 3)))
          (f64.add (local.get $sshift) (f64.mul (local.get $sdb) (local.get $wb))))
        (f64.store (i32.add (local.get $m2) (i32.shl (local.get $u) (i32.const 3)))
          (f64.add
            (f64.add (f64.load (i32.add (local.get $m2) (i32.shl (local.get $u) (i32.const 3))))
                     (f64.sub (local.get $sq) (f64.mul (local.get $sa) (local.get $sdb))))
            (f64.mul (f64.mul (local.get $sdb) (local.get $sdb)) (local.get $cross))))))
  )
)
