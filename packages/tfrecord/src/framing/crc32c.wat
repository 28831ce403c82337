;; CRC32C (Castagnoli, reflected polynomial 0x82F63B78) slice-by-16 kernel
;; for packages/tfrecord/src/framing/crc32c-wasm.ts. After editing, regenerate
;; the bytes embedded there with `node scripts/build-crc-wasm.mjs` (needs
;; wat2wasm from wabt, e.g. `apt-get install wabt`; the package build does not).
;;
;; Memory (2 pages, fixed, so JS views of it never detach):
;;   [0, 16384)       16 tables of 256 u32: table k (at k * 1024) maps a byte
;;                    to its CRC contribution k bytes later. Filled from JS once.
;;   [65536, 131072)  the input window: JS copies up to 64 KiB here per call.
(module
  (memory (export "memory") 2 2)

  ;; crc(initial, ptr, len) -> CRC32C of memory[ptr, ptr + len), continuing
  ;; from `initial` (the plain CRC of the preceding bytes; 0 to start).
  (func (export "crc") (param $crc i32) (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $end16 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $r i32)
    (local.set $crc (i32.xor (local.get $crc) (i32.const -1)))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $end16 (i32.sub (local.get $end) (i32.and (local.get $len) (i32.const 15))))
    ;; 16 bytes per step: four word loads (wasm is little-endian everywhere),
    ;; sixteen table look-ups. The twelve that do not depend on the running
    ;; CRC are folded into $r first, in a chain (a balanced xor tree makes
    ;; TurboFan spill registers), so only four look-ups sit on the carried path.
    (block $done16
      (loop $step16
        (br_if $done16 (i32.ge_u (local.get $p) (local.get $end16)))
        (local.set $b (i32.load offset=4 (local.get $p)))
        (local.set $c (i32.load offset=8 (local.get $p)))
        (local.set $d (i32.load offset=12 (local.get $p)))
        (local.set $r (i32.load offset=11264 (i32.and (i32.shl (local.get $b) (i32.const 2)) (i32.const 0x3fc))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=10240 (i32.and (i32.shr_u (local.get $b) (i32.const 6)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=9216 (i32.and (i32.shr_u (local.get $b) (i32.const 14)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=8192 (i32.and (i32.shr_u (local.get $b) (i32.const 22)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=7168 (i32.and (i32.shl (local.get $c) (i32.const 2)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=6144 (i32.and (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=5120 (i32.and (i32.shr_u (local.get $c) (i32.const 14)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=4096 (i32.and (i32.shr_u (local.get $c) (i32.const 22)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=3072 (i32.and (i32.shl (local.get $d) (i32.const 2)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=2048 (i32.and (i32.shr_u (local.get $d) (i32.const 6)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=1024 (i32.and (i32.shr_u (local.get $d) (i32.const 14)) (i32.const 0x3fc)))))
        (local.set $r (i32.xor (local.get $r) (i32.load offset=0 (i32.and (i32.shr_u (local.get $d) (i32.const 22)) (i32.const 0x3fc)))))
        (local.set $a (i32.xor (local.get $crc) (i32.load (local.get $p))))
        (local.set $crc
          (i32.xor
            (i32.xor
              (i32.xor
                (i32.load offset=15360 (i32.and (i32.shl (local.get $a) (i32.const 2)) (i32.const 0x3fc)))
                (i32.load offset=14336 (i32.and (i32.shr_u (local.get $a) (i32.const 6)) (i32.const 0x3fc))))
              (i32.xor
                (i32.load offset=13312 (i32.and (i32.shr_u (local.get $a) (i32.const 14)) (i32.const 0x3fc)))
                (i32.load offset=12288 (i32.and (i32.shr_u (local.get $a) (i32.const 22)) (i32.const 0x3fc)))))
            (local.get $r)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $step16)))
    ;; Then whole words (slice-by-4 with tables 3..0), then 0..3 single bytes.
    (block $done4
      (loop $step4
        (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
        (local.set $a (i32.xor (local.get $crc) (i32.load (local.get $p))))
        (local.set $crc
          (i32.xor
            (i32.xor
              (i32.load offset=3072 (i32.and (i32.shl (local.get $a) (i32.const 2)) (i32.const 0x3fc)))
              (i32.load offset=2048 (i32.and (i32.shr_u (local.get $a) (i32.const 6)) (i32.const 0x3fc))))
            (i32.xor
              (i32.load offset=1024 (i32.and (i32.shr_u (local.get $a) (i32.const 14)) (i32.const 0x3fc)))
              (i32.load (i32.and (i32.shr_u (local.get $a) (i32.const 22)) (i32.const 0x3fc))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $step4)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $crc
          (i32.xor
            (i32.load
              (i32.shl
                (i32.and
                  (i32.xor (local.get $crc) (i32.load8_u (local.get $p)))
                  (i32.const 0xff))
                (i32.const 2)))
            (i32.shr_u (local.get $crc) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $step)))
    (i32.xor (local.get $crc) (i32.const -1))))
