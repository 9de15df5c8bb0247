// SPDX-License-Identifier: MIT
// Test double of Livepeer's TicketBroker, written from docs/protocol-notes.md
// §7 and §8 with the deployed contract's function and event signatures, so
// that libticket's calldata, reads and event decoding meet the same ABI as on
// mainnet. It enforces every redemption rule of section 8, including the
// all-or-nothing funding rule: a ticket the sender cannot cover in full
// reverts and stays unused.
//
// Simplification: the deployed contract credits the winnings as fees
// through the BondingManager/Minter; this one pays faceValue in ETH straight
// to the recipient. libticket only checks usedTickets and balances.
pragma solidity 0.8.37;

import "./Managed.sol";

contract TicketBroker is Managed {
    struct Ticket {
        address recipient;
        address sender;
        uint256 faceValue;
        uint256 winProb; // wins with probability winProb / (2^256 - 1)
        uint256 senderNonce;
        bytes32 recipientRandHash;
        bytes auxData; // u256(creationRound) || creationRoundBlockHash
    }

    struct Sender {
        uint256 deposit;
        uint256 withdrawRound; // 0: locked, no unlock under way
    }

    struct ReserveInfo {
        uint256 fundsRemaining;
        uint256 claimedInCurrentRound;
    }

    struct Reserve {
        uint256 funds;
        mapping(uint256 => uint256) claimedForRound;
        mapping(uint256 => mapping(address => uint256)) claimedByAddress;
    }

    // secp256k1 group order / 2: a larger s is the malleated twin (low-s rule)
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 public unlockPeriod;
    uint256 public ticketValidityPeriod;
    mapping(bytes32 => bool) public usedTickets;
    mapping(address => Sender) private senders;
    mapping(address => Reserve) private reserves;

    event DepositFunded(address indexed sender, uint256 amount);
    event ReserveFunded(address indexed reserveHolder, uint256 amount);
    event ReserveClaimed(address indexed reserveHolder, address claimant, uint256 amount);
    event WinningTicketRedeemed(
        address indexed sender,
        address indexed recipient,
        uint256 faceValue,
        uint256 winProb,
        uint256 senderNonce,
        uint256 recipientRand,
        bytes auxData
    );
    event WinningTicketTransfer(address indexed sender, address indexed recipient, uint256 amount);
    event Unlock(address indexed sender, uint256 startRound, uint256 endRound);
    event UnlockCancelled(address indexed sender);
    event Withdrawal(address indexed sender, uint256 deposit, uint256 reserve);
    event ParameterUpdate(string param);

    modifier currentRoundInitialized() {
        require(roundsManager().currentRoundInitialized(), "current round is not initialized");
        _;
    }

    constructor(address _controller) Managed(_controller) {
        unlockPeriod = 2;
        ticketValidityPeriod = 2;
    }

    // ---- parameters (Controller owner) --------------------------------------
    function setUnlockPeriod(uint256 _unlockPeriod) external onlyControllerOwner {
        unlockPeriod = _unlockPeriod;
        emit ParameterUpdate("unlockPeriod");
    }

    function setTicketValidityPeriod(uint256 _ticketValidityPeriod) external onlyControllerOwner {
        require(_ticketValidityPeriod > 0, "ticketValidityPeriod must be greater than 0");
        ticketValidityPeriod = _ticketValidityPeriod;
        emit ParameterUpdate("ticketValidityPeriod");
    }

    // ---- funding (broadcaster side) -----------------------------------------
    function fundDeposit() external payable {
        addDeposit(msg.sender, msg.value);
    }

    function fundReserve() external payable {
        addReserve(msg.sender, msg.value);
    }

    function fundDepositAndReserve(uint256 _depositAmount, uint256 _reserveAmount) external payable {
        require(
            msg.value == _depositAmount + _reserveAmount,
            "msg.value does not equal sum of deposit amount and reserve amount"
        );
        addDeposit(msg.sender, _depositAmount);
        addReserve(msg.sender, _reserveAmount);
    }

    function unlock() external {
        Sender storage sender = senders[msg.sender];
        require(sender.deposit > 0 || reserves[msg.sender].funds > 0, "sender deposit and reserve are zero");
        require(sender.withdrawRound == 0, "unlock already initiated");
        uint256 round = roundsManager().currentRound();
        sender.withdrawRound = round + unlockPeriod;
        emit Unlock(msg.sender, round, sender.withdrawRound);
    }

    function cancelUnlock() external {
        require(senders[msg.sender].withdrawRound > 0, "no unlock request in progress");
        cancelUnlockOf(msg.sender);
    }

    function withdraw() external {
        Sender storage sender = senders[msg.sender];
        uint256 deposit = sender.deposit;
        uint256 reserve = reserves[msg.sender].funds;
        require(deposit > 0 || reserve > 0, "sender deposit and reserve are zero");
        require(!isLocked(sender, roundsManager().currentRound()), "account is locked");
        sender.deposit = 0;
        reserves[msg.sender].funds = 0;
        emit Withdrawal(msg.sender, deposit, reserve);
        pay(msg.sender, deposit + reserve);
    }

    // ---- redemption (recipient side) ----------------------------------------
    function redeemWinningTicket(Ticket memory _ticket, bytes memory _sig, uint256 _recipientRand)
        public
        currentRoundInitialized
    {
        bytes32 ticketHash = getTicketHash(_ticket);
        requireValidWinningTicket(_ticket, ticketHash, _sig, _recipientRand);

        uint256 round = roundsManager().currentRound();
        Sender storage sender = senders[_ticket.sender];
        require(isLocked(sender, round), "sender is unlocked");
        uint256 share = claimableReserve(_ticket.sender, _ticket.recipient);
        require(sender.deposit > 0 || share > 0, "sender deposit and reserve are zero");
        // All or nothing: revert (the ticket stays unused) unless the deposit
        // and this recipient's reserve share cover the face value.
        require(sender.deposit + share >= _ticket.faceValue, "sender funds insufficient for ticket faceValue");

        usedTickets[ticketHash] = true;
        uint256 fromDeposit = _ticket.faceValue < sender.deposit ? _ticket.faceValue : sender.deposit;
        sender.deposit -= fromDeposit;
        if (_ticket.faceValue > fromDeposit) {
            claimFromReserve(_ticket.sender, _ticket.recipient, _ticket.faceValue - fromDeposit, round);
        }
        if (_ticket.faceValue > 0) {
            emit WinningTicketTransfer(_ticket.sender, _ticket.recipient, _ticket.faceValue);
        }
        emit WinningTicketRedeemed(
            _ticket.sender,
            _ticket.recipient,
            _ticket.faceValue,
            _ticket.winProb,
            _ticket.senderNonce,
            _recipientRand,
            _ticket.auxData
        );
        pay(_ticket.recipient, _ticket.faceValue);
    }

    // Redeems each ticket on its own: a failing one is skipped, the
    // transaction goes on (a ticket that runs out of gas is skipped too).
    function batchRedeemWinningTickets(
        Ticket[] memory _tickets,
        bytes[] memory _sigs,
        uint256[] memory _recipientRands
    ) public currentRoundInitialized {
        require(
            _tickets.length == _sigs.length && _tickets.length == _recipientRands.length,
            "tickets, sigs and recipientRands differ in length"
        );
        for (uint256 i = 0; i < _tickets.length; i++) {
            try this.redeemWinningTicket(_tickets[i], _sigs[i], _recipientRands[i]) {} catch {}
        }
    }

    // ---- views ---------------------------------------------------------------
    function getTicketHash(Ticket memory _ticket) public pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                _ticket.recipient,
                _ticket.sender,
                _ticket.faceValue,
                _ticket.winProb,
                _ticket.senderNonce,
                _ticket.recipientRandHash,
                _ticket.auxData
            )
        );
    }

    function getSenderInfo(address _sender)
        external
        view
        returns (Sender memory sender, ReserveInfo memory reserve)
    {
        return (senders[_sender], getReserveInfo(_sender));
    }

    function getReserveInfo(address _reserveHolder) public view returns (ReserveInfo memory info) {
        Reserve storage reserve = reserves[_reserveHolder];
        info.fundsRemaining = reserve.funds;
        info.claimedInCurrentRound = reserve.claimedForRound[roundsManager().currentRound()];
    }

    function isUnlockInProgress(address _sender) external view returns (bool) {
        return senders[_sender].withdrawRound > 0;
    }

    // What _claimant may still take from the reserve this round (section 7):
    // (fundsRemaining + claimedInCurrentRound) / poolSize - claimed, for an
    // active transcoder only, never more than the funds left.
    function claimableReserve(address _reserveHolder, address _claimant) public view returns (uint256) {
        IBondingManager bm = bondingManager();
        if (!bm.isActiveTranscoder(_claimant)) {
            return 0;
        }
        uint256 poolSize = bm.getTranscoderPoolSize();
        if (poolSize == 0) {
            return 0;
        }
        Reserve storage reserve = reserves[_reserveHolder];
        uint256 round = roundsManager().currentRound();
        uint256 alloc = (reserve.funds + reserve.claimedForRound[round]) / poolSize;
        uint256 claimed = reserve.claimedByAddress[round][_claimant];
        uint256 left = alloc > claimed ? alloc - claimed : 0;
        return left < reserve.funds ? left : reserve.funds;
    }

    function claimedReserve(address _reserveHolder, address _claimant) external view returns (uint256) {
        return reserves[_reserveHolder].claimedByAddress[roundsManager().currentRound()][_claimant];
    }

    // ---- internals -----------------------------------------------------------
    function roundsManager() internal view returns (IRoundsManager) {
        return IRoundsManager(controller.getContract(keccak256("RoundsManager")));
    }

    function bondingManager() internal view returns (IBondingManager) {
        return IBondingManager(controller.getContract(keccak256("BondingManager")));
    }

    function isLocked(Sender storage _sender, uint256 _round) internal view returns (bool) {
        return _sender.withdrawRound == 0 || _round < _sender.withdrawRound;
    }

    // Funding cancels an unlock under way, as on the deployed contract.
    function addDeposit(address _sender, uint256 _amount) internal {
        senders[_sender].deposit += _amount;
        if (senders[_sender].withdrawRound > 0) {
            cancelUnlockOf(_sender);
        }
        emit DepositFunded(_sender, _amount);
    }

    function addReserve(address _sender, uint256 _amount) internal {
        reserves[_sender].funds += _amount;
        if (senders[_sender].withdrawRound > 0) {
            cancelUnlockOf(_sender);
        }
        emit ReserveFunded(_sender, _amount);
    }

    function cancelUnlockOf(address _sender) internal {
        senders[_sender].withdrawRound = 0;
        emit UnlockCancelled(_sender);
    }

    function claimFromReserve(address _reserveHolder, address _claimant, uint256 _amount, uint256 _round) internal {
        Reserve storage reserve = reserves[_reserveHolder];
        reserve.funds -= _amount;
        reserve.claimedForRound[_round] += _amount;
        reserve.claimedByAddress[_round][_claimant] += _amount;
        emit ReserveClaimed(_reserveHolder, _claimant, _amount);
    }

    function requireValidWinningTicket(
        Ticket memory _ticket,
        bytes32 _ticketHash,
        bytes memory _sig,
        uint256 _recipientRand
    ) internal view {
        require(_ticket.recipient != address(0), "ticket recipient is null address");
        require(_ticket.sender != address(0), "ticket sender is null address");
        requireValidTicketAuxData(_ticket.auxData);
        require(
            keccak256(abi.encodePacked(_recipientRand)) == _ticket.recipientRandHash,
            "recipientRand does not match recipientRandHash"
        );
        require(!usedTickets[_ticketHash], "ticket is used");
        require(isValidTicketSig(_ticket.sender, _sig, _ticketHash), "invalid signature over ticket hash");
        require(
            uint256(keccak256(abi.encodePacked(_sig, _recipientRand))) < _ticket.winProb,
            "ticket did not win"
        );
    }

    function requireValidTicketAuxData(bytes memory _auxData) internal view {
        require(_auxData.length == 64, "invalid length for ticket auxData: must be 64 bytes");
        (uint256 creationRound, bytes32 creationRoundBlockHash) = abi.decode(_auxData, (uint256, bytes32));
        IRoundsManager rm = roundsManager();
        bytes32 blockHash = rm.blockHashForRound(creationRound);
        require(blockHash != bytes32(0), "ticket creationRound does not have a block hash");
        require(creationRoundBlockHash == blockHash, "ticket creationRoundBlockHash invalid for creationRound");
        require(creationRound + ticketValidityPeriod > rm.currentRound(), "ticket is expired");
    }

    // EIP-191 personal sign over the ticket hash: 65 bytes r || s || v,
    // v in {27, 28}, low s, recovering to the sender.
    function isValidTicketSig(address _sender, bytes memory _sig, bytes32 _ticketHash) internal pure returns (bool) {
        if (_sig.length != 65) {
            return false;
        }
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(_sig, 32))
            s := mload(add(_sig, 64))
            v := byte(0, mload(add(_sig, 96)))
        }
        if ((v != 27 && v != 28) || uint256(s) > HALF_N) {
            return false;
        }
        bytes32 digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", _ticketHash));
        address signer = ecrecover(digest, v, r, s);
        return signer != address(0) && signer == _sender;
    }

    function pay(address _to, uint256 _amount) internal {
        if (_amount == 0) {
            return;
        }
        (bool ok, ) = payable(_to).call{value: _amount}("");
        require(ok, "ETH transfer failed");
    }
}
